import { conflict, notFound, type RequestScope } from '@leads/service';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  completeFinishedEnrollments,
  pauseSequenceEnrollments,
  resumeSequenceEnrollments,
  stopSequenceEnrollments,
} from '../enrollments/enrollment.repository';
import { SEQUENCE_COLUMNS, toSequenceJson, type SequenceJson, type SequenceRow, type SequenceStatus } from './sequence.entity';
import { findSequence } from './sequence.repository';
import type { UpdateSequenceBody } from './sequence.schema';
import { queryRows, retryingTransaction } from '@leads/persistence';

/**
 * Renames a sequence, changes its criteria or steps, pauses, resumes or archives it, with what
 * that means for its enrolments, in one transaction:
 * - paused: its enrolments pause where they are; resumed: they continue, a step that fell due
 *   meanwhile going at once;
 * - archived (final): its enrolments stop (`sequence_archived`) and it enrols no one again;
 * - new steps apply to the steps each enrolment has not reached yet (an enrolment keeps the due
 *   time already set for its next step); one that has done all the new steps is complete;
 * - new criteria apply to leads scored from then on.
 */
@Injectable()
export class UpdateSequence {
  constructor(private readonly dataSource: DataSource) {}

  execute(scope: RequestScope, id: string, body: UpdateSequenceBody): Promise<SequenceJson> {
    const workspaceId = scope.workspaceId;
    // Its locks (the sequence, then its enrolments) can meet a consumer batch's in the other order.
    return retryingTransaction(this.dataSource, async (manager) => {
      const current = await findSequence(manager, workspaceId, id, 'FOR UPDATE');
      if (!current) throw notFound('Sequence');
      if (body.version !== undefined && body.version !== current.version) {
        throw conflict('stale-version', `The sequence changed since you read it (now version ${current.version}): read it again, then retry.`, {
          currentVersion: current.version,
        });
      }
      if (current.status === 'archived') throw conflict('sequence-archived', 'An archived sequence cannot be changed; create a new one.');
      const [row] = await queryRows<SequenceRow>(
        manager,
        `UPDATE sequences SET
           name = coalesce($3, name), status = coalesce($4, status),
           qualifications = coalesce($5, qualifications), pipeline_ids = coalesce($6, pipeline_ids), sources = coalesce($7, sources),
           min_score = CASE WHEN $8 THEN $9 ELSE min_score END,
           steps = coalesce($10, steps), version = version + 1, updated_at = now()
         WHERE workspace_id = $1 AND id = $2 RETURNING ${SEQUENCE_COLUMNS}`,
        [
          workspaceId,
          id,
          body.name ?? null,
          body.status ?? null,
          body.criteria?.qualifications ?? null,
          body.criteria?.pipelineIds ?? null,
          body.criteria?.sources ?? null,
          body.criteria !== undefined,
          body.criteria?.minScore ?? null,
          body.steps ? JSON.stringify(body.steps) : null,
        ],
      );
      if (body.steps) await completeFinishedEnrollments(manager, workspaceId, id, body.steps.length);
      if (body.status && body.status !== current.status) await this.changeStatus(manager, workspaceId, id, body.status);
      return toSequenceJson(row);
    });
  }

  private async changeStatus(manager: EntityManager, workspaceId: string, id: string, status: SequenceStatus): Promise<void> {
    if (status === 'paused') await pauseSequenceEnrollments(manager, workspaceId, id);
    else if (status === 'active') await resumeSequenceEnrollments(manager, workspaceId, id);
    else await stopSequenceEnrollments(manager, workspaceId, id, 'sequence_archived');
  }
}
