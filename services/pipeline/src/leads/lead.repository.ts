import { toStageHistoryJson, type StageHistoryRow } from '../moves/stage-history.entity';
import { leadColumns, type LeadRow, type LeadSourceName, type ProcessingStatus, type QualificationName } from './lead.entity';
import { Conditions, containsPattern, queryRows, type Queryable } from '@leads/persistence';

export async function findLead(db: Queryable, workspaceId: string, leadId: string, lock: '' | 'FOR UPDATE' = ''): Promise<LeadRow | undefined> {
  const [lead] = await queryRows<LeadRow>(db, `SELECT ${leadColumns('lead')} FROM leads lead WHERE lead.workspace_id = $1 AND lead.id = $2 ${lock}`, [
    workspaceId,
    leadId,
  ]);
  return lead;
}

/** A lead's moves, oldest first. */
export async function historyOf(db: Queryable, workspaceId: string, leadId: string) {
  const rows = await queryRows<StageHistoryRow>(
    db,
    `SELECT id::text, lead_id, from_pipeline_id, from_stage_id, from_stage_name, from_stage_kind, to_pipeline_id, to_stage_id, to_stage_name,
            to_stage_kind, actor_kind, actor_id, channel, bulk_move_id, moved_at
     FROM stage_history WHERE workspace_id = $1 AND lead_id = $2 ORDER BY moved_at, id`,
    [workspaceId, leadId],
  );
  return rows.map(toStageHistoryJson);
}

/** The filters the lead list and the board share. */
export interface LeadFilters {
  readonly qualification?: QualificationName;
  readonly source?: LeadSourceName;
  readonly processingStatus?: ProcessingStatus;
  /** Case-insensitive search in email, first and last name and company name. */
  readonly q?: string;
}

export function whereLeadsMatch(where: Conditions, filters: LeadFilters, alias: string): Conditions {
  if (filters.qualification) where.and(`${alias}.qualification = ${where.param(filters.qualification)}`);
  if (filters.source) where.and(`${alias}.source = ${where.param(filters.source)}`);
  if (filters.processingStatus) where.and(`${alias}.processing_status = ${where.param(filters.processingStatus)}`);
  if (filters.q) where.and(`${alias}.search_text LIKE ${where.param(containsPattern(filters.q.toLowerCase()))}`);
  return where;
}
