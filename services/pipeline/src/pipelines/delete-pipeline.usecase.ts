import { randomUUID } from 'node:crypto';
import { ProblemException, conflict, notFound, type RequestScope } from '@leads/service';
import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { endOfColumn } from '../moves/column-position.helper';
import { RecordMoves } from '../moves/record-moves.usecase';
import { invalidField } from '../shared/request.schema';
import { findPipeline, firstOpenStage, stagesOf } from './pipeline.repository';
import { queryRows } from '@leads/persistence';

/**
 * Deletes a pipeline that is not the default one. Its leads, if any, need `targetPipelineId`:
 * they move to that pipeline's first open stage (one bulk move, in the history and on Kafka).
 */
@Injectable()
export class DeletePipeline {
  constructor(
    private readonly dataSource: DataSource,
    private readonly recordMoves: RecordMoves,
  ) {}

  async execute(scope: RequestScope, pipelineId: string, targetPipelineId: string | undefined): Promise<void> {
    const workspaceId = scope.workspaceId;
    await this.dataSource.transaction(async (manager) => {
      const pipeline = await findPipeline(manager, workspaceId, pipelineId, 'FOR UPDATE');
      if (!pipeline) throw notFound('Pipeline');
      if (pipeline.is_default) throw conflict('default-pipeline', 'The default pipeline cannot be deleted.');
      if (targetPipelineId === pipelineId) throw invalidField('targetPipelineId', 'must be another pipeline');
      if (targetPipelineId && !(await findPipeline(manager, workspaceId, targetPipelineId, 'FOR KEY SHARE'))) {
        throw invalidField('targetPipelineId', 'is not a pipeline of this workspace');
      }
      // Locked first: no lead can enter the pipeline while it is being emptied.
      const stages = new Map((await stagesOf(manager, workspaceId, [pipelineId], 'FOR UPDATE')).map((stage) => [stage.id, stage]));
      const leads = await queryRows<{ id: string; stage_id: string }>(
        manager,
        `SELECT lead.id, lead.stage_id FROM leads lead JOIN stages stage ON stage.workspace_id = lead.workspace_id AND stage.id = lead.stage_id
         WHERE lead.workspace_id = $1 AND lead.pipeline_id = $2
         ORDER BY stage.position, lead.position, lead.created_at, lead.id FOR UPDATE OF lead`,
        [workspaceId, pipelineId],
      );
      if (leads.length > 0) {
        if (!targetPipelineId) {
          throw new ProblemException(HttpStatus.CONFLICT, 'pipeline-not-empty', `The pipeline has ${leads.length} lead(s): say where they go.`, [
            { field: 'targetPipelineId', reason: 'is required when the pipeline has leads' },
          ]);
        }
        const target = await firstOpenStage(manager, workspaceId, targetPipelineId);
        const positions = await endOfColumn(manager, workspaceId, target.id, leads.length);
        await this.recordMoves.execute(
          manager,
          { workspaceId, actor: scope.actor, channel: 'bulk', bulkMoveId: randomUUID() },
          leads.map((lead, index) => ({ leadId: lead.id, from: stages.get(lead.stage_id)!, to: target, position: positions[index] })),
        );
      }
      await manager.query(`DELETE FROM pipelines WHERE workspace_id = $1 AND id = $2`, [workspaceId, pipelineId]);
    });
  }
}
