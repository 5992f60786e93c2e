import { randomUUID } from 'node:crypto';
import type { RequestScope } from '@leads/service';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PipelineJson } from './pipeline.entity';
import { insertStages, loadPipeline } from './pipeline.repository';
import type { CreatePipelineBody } from './pipeline.schema';

@Injectable()
export class CreatePipeline {
  constructor(private readonly dataSource: DataSource) {}

  execute(scope: RequestScope, body: CreatePipelineBody): Promise<PipelineJson> {
    return this.dataSource.transaction(async (manager) => {
      const id = randomUUID();
      await manager.query(`INSERT INTO pipelines (workspace_id, id, name) VALUES ($1, $2, $3)`, [scope.workspaceId, id, body.name]);
      await insertStages(manager, scope.workspaceId, id, body.stages);
      return (await loadPipeline(manager, scope.workspaceId, id))!;
    });
  }
}
