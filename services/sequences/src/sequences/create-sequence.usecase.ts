import { randomUUID } from 'node:crypto';
import type { RequestScope } from '@leads/service';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SEQUENCE_COLUMNS, toSequenceJson, type SequenceJson, type SequenceRow } from './sequence.entity';
import type { CreateSequenceBody } from './sequence.schema';
import { queryRows } from '@leads/persistence';

/** A new sequence. Leads scored from now on are enrolled while it is active; earlier ones are not. */
@Injectable()
export class CreateSequence {
  constructor(private readonly dataSource: DataSource) {}

  async execute(scope: RequestScope, body: CreateSequenceBody): Promise<SequenceJson> {
    const [row] = await queryRows<SequenceRow>(
      this.dataSource,
      `INSERT INTO sequences (workspace_id, id, name, status, qualifications, pipeline_ids, sources, min_score, steps)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${SEQUENCE_COLUMNS}`,
      [
        scope.workspaceId,
        randomUUID(),
        body.name,
        body.status,
        body.criteria.qualifications,
        body.criteria.pipelineIds,
        body.criteria.sources,
        body.criteria.minScore,
        JSON.stringify(body.steps),
      ],
    );
    return toSequenceJson(row);
  }
}
