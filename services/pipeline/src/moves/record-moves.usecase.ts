import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { ActorKind, MoveChannel, StageKind, Topics } from '@leads/contracts';
import { Outbox } from '@leads/messaging';
import type { Actor } from '@leads/service';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { StageKindName, StageRow } from '../pipelines/pipeline.entity';
import type { MoveChannelName } from './stage-history.entity';
import { queryRows } from '@leads/persistence';

/** One lead entering a stage: from its current stage (null on first placement), at a Kanban position. */
export interface Move {
  readonly leadId: string;
  readonly from: StageRow | null;
  readonly to: StageRow;
  readonly position: number;
}

/** Who moved the leads, how, and (for a bulk move) the id shared by its events. */
export interface MoveOrigin {
  readonly workspaceId: string;
  readonly actor: Actor;
  readonly channel: MoveChannelName;
  readonly bulkMoveId?: string;
}

const channels: Record<MoveChannelName, MoveChannel> = {
  api: MoveChannel.API,
  kanban: MoveChannel.KANBAN,
  detail_dropdown: MoveChannel.DETAIL_DROPDOWN,
  bulk: MoveChannel.BULK,
  system: MoveChannel.SYSTEM,
};
const stageKinds: Record<StageKindName, StageKind> = { open: StageKind.OPEN, win: StageKind.WIN, lost: StageKind.LOST };
const actorKinds: Record<Actor['kind'], ActorKind> = { user: ActorKind.USER, api_key: ActorKind.API_KEY, system: ActorKind.SYSTEM };

/**
 * Every move goes through here: the lead's new place, its stage-history row and its
 * `lead.stage-changed` event, all in the caller's transaction (the event leaves only if the
 * move commits). Set-based, so a bulk move of a thousand leads is three statements.
 */
@Injectable()
export class RecordMoves {
  constructor(private readonly outbox: Outbox) {}

  async execute(manager: EntityManager, origin: MoveOrigin, moves: readonly Move[]): Promise<void> {
    if (moves.length === 0) return;
    const column = <T>(pick: (move: Move) => T) => moves.map(pick);
    await manager.query(
      `UPDATE leads AS lead
       SET pipeline_id = move.pipeline_id, stage_id = move.stage_id, position = move.position,
           version = lead.version + 1, updated_at = now()
       FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::float8[]) AS move(lead_id, pipeline_id, stage_id, position)
       WHERE lead.workspace_id = $1 AND lead.id = move.lead_id`,
      [origin.workspaceId, column((m) => m.leadId), column((m) => m.to.pipeline_id), column((m) => m.to.id), column((m) => m.position)],
    );
    const recorded = await queryRows<{ lead_id: string; moved_at: Date }>(
      manager,
      `INSERT INTO stage_history (workspace_id, lead_id, from_pipeline_id, from_stage_id, from_stage_name, from_stage_kind,
                                  to_pipeline_id, to_stage_id, to_stage_name, to_stage_kind, actor_kind, actor_id, channel, bulk_move_id)
       SELECT $1, move.*, $11, $12, $13, $14
       FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::uuid[], $8::uuid[], $9::text[], $10::text[]) AS move
       RETURNING lead_id, moved_at`,
      [
        origin.workspaceId,
        column((m) => m.leadId),
        column((m) => m.from?.pipeline_id ?? null),
        column((m) => m.from?.id ?? null),
        column((m) => m.from?.name ?? null),
        column((m) => m.from?.kind ?? null),
        column((m) => m.to.pipeline_id),
        column((m) => m.to.id),
        column((m) => m.to.name),
        column((m) => m.to.kind),
        origin.actor.kind,
        origin.actor.id,
        origin.channel,
        origin.bulkMoveId ?? null,
      ],
    );
    const movedAt = new Map(recorded.map((row) => [row.lead_id, row.moved_at]));
    await this.outbox.publishAll(
      manager,
      moves.map((move) => ({
        topic: Topics.leadStageChanged,
        key: move.leadId,
        data: {
          leadId: move.leadId,
          workspaceId: origin.workspaceId,
          pipelineId: move.to.pipeline_id,
          fromStageId: move.from?.id ?? '',
          fromStageKind: move.from ? stageKinds[move.from.kind] : StageKind.UNSPECIFIED,
          fromStageName: move.from?.name ?? '',
          fromPipelineId: move.from && move.from.pipeline_id !== move.to.pipeline_id ? move.from.pipeline_id : undefined,
          toStageId: move.to.id,
          toStageKind: stageKinds[move.to.kind],
          toStageName: move.to.name,
          actor: { kind: actorKinds[origin.actor.kind], id: origin.actor.id },
          channel: channels[origin.channel],
          bulkMoveId: origin.bulkMoveId ?? '',
          occurredAt: timestampFromDate(movedAt.get(move.leadId)!),
        },
      })),
    );
  }
}
