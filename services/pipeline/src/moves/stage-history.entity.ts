import type { Actor } from '@leads/service';
import type { StageKindName } from '../pipelines/pipeline.entity';

/** How a lead was moved (the `MoveChannel` of `lead.stage-changed`, lower-case). */
export const MOVE_CHANNELS = ['api', 'kanban', 'detail_dropdown', 'bulk', 'system'] as const;
export type MoveChannelName = (typeof MOVE_CHANNELS)[number];

/** The platform's own moves (first placement of a new lead). */
export const SYSTEM_ACTOR: Actor = { kind: 'system', id: 'pipeline' };

/** A row of `stage_history`. */
export interface StageHistoryRow {
  readonly id: string;
  readonly lead_id: string;
  readonly from_pipeline_id: string | null;
  readonly from_stage_id: string | null;
  readonly from_stage_name: string | null;
  readonly from_stage_kind: StageKindName | null;
  readonly to_pipeline_id: string;
  readonly to_stage_id: string;
  readonly to_stage_name: string;
  readonly to_stage_kind: StageKindName;
  readonly actor_kind: Actor['kind'];
  readonly actor_id: string;
  readonly channel: MoveChannelName;
  readonly bulk_move_id: string | null;
  readonly moved_at: Date;
}

export function toStageHistoryJson(row: StageHistoryRow) {
  return {
    id: row.id,
    leadId: row.lead_id,
    fromPipelineId: row.from_pipeline_id,
    fromStageId: row.from_stage_id,
    fromStageName: row.from_stage_name,
    fromStageKind: row.from_stage_kind,
    toPipelineId: row.to_pipeline_id,
    toStageId: row.to_stage_id,
    toStageName: row.to_stage_name,
    toStageKind: row.to_stage_kind,
    actor: { kind: row.actor_kind, id: row.actor_id },
    channel: row.channel,
    bulkMoveId: row.bulk_move_id,
    movedAt: row.moved_at.toISOString(),
  };
}
