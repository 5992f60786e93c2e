import { notFound, type RequestScope } from '@leads/service';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { endOfColumn, positionBefore } from '../moves/column-position.helper';
import { destinationOf, resolveMoveTarget } from '../moves/move-target.helper';
import { RecordMoves } from '../moves/record-moves.usecase';
import { findStage } from '../pipelines/pipeline.repository';
import { staleVersion } from '../shared/problems.helper';
import { invalidField } from '../shared/request.schema';
import { toLeadJson, type LeadJson } from './lead.entity';
import { findLead } from './lead.repository';
import type { MoveLeadBody } from './lead.schema';

/**
 * Moves one lead: to `stageId` (of any pipeline of the workspace), or to `pipelineId`'s first
 * open stage (a lead already in that pipeline stays in its stage), and/or to a place in its
 * column (`beforeLeadId`). A stage change is a move (history + `lead.stage-changed`); a new
 * place in the same column is not. A stale `version` is refused.
 */
@Injectable()
export class MoveLead {
  constructor(
    private readonly dataSource: DataSource,
    private readonly recordMoves: RecordMoves,
  ) {}

  execute(scope: RequestScope, leadId: string, body: MoveLeadBody): Promise<LeadJson> {
    const workspaceId = scope.workspaceId;
    return this.dataSource.transaction(async (manager) => {
      const lead = await findLead(manager, workspaceId, leadId, 'FOR UPDATE');
      if (!lead) throw notFound('Lead');
      if (body.version !== undefined && body.version !== lead.version) throw staleVersion('lead', lead.version);

      const current = lead.stage_id ? ((await findStage(manager, workspaceId, lead.stage_id, '')) ?? null) : null;
      const target = await resolveMoveTarget(manager, workspaceId, body);
      const to = target ? destinationOf(current, target) : current;
      if (!to) {
        if (body.beforeLeadId !== undefined) throw invalidField('beforeLeadId', 'the lead is on no pipeline yet: give stageId or pipelineId');
        return toLeadJson(lead);
      }
      const changesStage = to.id !== current?.id;
      if (!changesStage && body.beforeLeadId === undefined) return toLeadJson(lead);

      const [position] = body.beforeLeadId
        ? [await positionBefore(manager, workspaceId, to.id, body.beforeLeadId, leadId)]
        : await endOfColumn(manager, workspaceId, to.id);
      if (changesStage) {
        await this.recordMoves.execute(manager, { workspaceId, actor: scope.actor, channel: body.channel }, [{ leadId, from: current, to, position }]);
      } else {
        await manager.query(`UPDATE leads SET position = $3, version = version + 1, updated_at = now() WHERE workspace_id = $1 AND id = $2`, [
          workspaceId,
          leadId,
          position,
        ]);
      }
      return toLeadJson((await findLead(manager, workspaceId, leadId))!);
    });
  }
}
