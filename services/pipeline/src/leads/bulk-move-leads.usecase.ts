import { isUuid } from '@leads/service';
import { randomUUID } from 'node:crypto';
import type { RequestScope } from '@leads/service';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { endOfColumn } from '../moves/column-position.helper';
import { destinationOf, resolveMoveTarget } from '../moves/move-target.helper';
import { RecordMoves, type Move } from '../moves/record-moves.usecase';
import type { StageRow } from '../pipelines/pipeline.entity';
import type { BulkMoveBody } from './lead.schema';
import { queryRows } from '@leads/persistence';

export interface BulkMoveResult {
  readonly leadId: string;
  readonly status: 'moved' | 'unchanged' | 'not_found' | 'invalid';
  readonly detail?: string;
}

/**
 * Moves many leads to one stage (or pipeline) in one transaction: one history row and one
 * `lead.stage-changed` per moved lead, all sharing a bulk move id; moved leads are appended to
 * the target column in the order given. Every id gets its own result, in the order given.
 */
@Injectable()
export class BulkMoveLeads {
  constructor(
    private readonly dataSource: DataSource,
    private readonly recordMoves: RecordMoves,
  ) {}

  execute(scope: RequestScope, body: BulkMoveBody): Promise<{ bulkMoveId: string | null; results: BulkMoveResult[] }> {
    const workspaceId = scope.workspaceId;
    return this.dataSource.transaction(async (manager) => {
      const target = (await resolveMoveTarget(manager, workspaceId, body))!;
      // Locked in id order, so two bulk moves over the same leads cannot deadlock.
      const leads = await queryRows<{ id: string; stage_id: string | null }>(
        manager,
        `SELECT id, stage_id FROM leads WHERE workspace_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`,
        [workspaceId, body.leadIds.filter(isUuid)],
      );
      const stageIdOf = new Map(leads.map((lead) => [lead.id, lead.stage_id]));
      const stages = new Map(
        (
          await queryRows<StageRow>(manager, `SELECT id, pipeline_id, name, color, kind, position FROM stages WHERE workspace_id = $1 AND id = ANY($2::uuid[])`, [
            workspaceId,
            [...new Set(leads.flatMap((lead) => (lead.stage_id ? [lead.stage_id] : [])))],
          ])
        ).map((stage) => [stage.id, stage]),
      );

      const results: BulkMoveResult[] = [];
      const moving: { leadId: string; from: StageRow | null }[] = [];
      for (const leadId of body.leadIds) {
        if (!isUuid(leadId)) {
          results.push({ leadId, status: 'invalid', detail: 'is not a UUID' });
          continue;
        }
        const stageId = stageIdOf.get(leadId);
        if (stageId === undefined) {
          results.push({ leadId, status: 'not_found' });
          continue;
        }
        const from = stageId ? stages.get(stageId)! : null;
        if (destinationOf(from, target).id === from?.id) {
          results.push({ leadId, status: 'unchanged' });
          continue;
        }
        results.push({ leadId, status: 'moved' });
        moving.push({ leadId, from });
      }

      if (moving.length === 0) return { bulkMoveId: null, results };
      const bulkMoveId = randomUUID();
      const positions = await endOfColumn(manager, workspaceId, target.stage.id, moving.length);
      const moves: Move[] = moving.map((lead, index) => ({ ...lead, to: target.stage, position: positions[index] }));
      await this.recordMoves.execute(manager, { workspaceId, actor: scope.actor, channel: 'bulk', bulkMoveId }, moves);
      return { bulkMoveId, results };
    });
  }
}
