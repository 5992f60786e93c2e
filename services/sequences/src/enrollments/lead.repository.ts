import type { JsonObject } from '@bufbuild/protobuf';
import type { EntityManager } from 'typeorm';
import type { LeadSourceName } from '../sequences/sequence.entity';
import type { LeadFacts } from './enrollment.rules';
import { queryRows, type Queryable } from '@leads/persistence';

/*
 * The leads as the sequences service sees them: the profile, score and email class of the newest
 * lead.scored, and the placement of the newest lead.stage-changed. The two topics are not ordered
 * with each other and an event may arrive late: each part keeps the time of the event that set
 * it, and only a newer event replaces it. Both handlers lock the lead's row, so that the events of
 * one lead, handled concurrently from their two topics, are applied one after the other.
 */

export interface ScoredLead {
  readonly occurredAt: Date;
  readonly email: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly companyName: string | null;
  readonly customFields: JsonObject;
  readonly source: LeadSourceName | null;
  readonly qualification: LeadFacts['qualification'];
  readonly score: number;
  readonly emailClass: LeadFacts['emailClass'];
}

export interface Placement {
  readonly occurredAt: Date;
  readonly pipelineId: string;
  readonly stageKind: LeadFacts['stageKind'];
}

interface LeadFactsRow {
  id: string;
  email: string | null;
  qualification: LeadFacts['qualification'];
  score: number | null;
  source: LeadSourceName | null;
  email_class: LeadFacts['emailClass'];
  pipeline_id: string | null;
  stage_kind: LeadFacts['stageKind'];
  awaiting_placement: boolean;
}

async function lockedFacts(manager: EntityManager, workspaceId: string, leadId: string): Promise<LeadFacts> {
  const [row] = await queryRows<LeadFactsRow>(
    manager,
    `SELECT id, email, qualification, score, source, email_class, pipeline_id, stage_kind, awaiting_placement
     FROM leads WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
    [workspaceId, leadId],
  );
  return {
    id: row.id,
    email: row.email,
    qualification: row.qualification,
    score: row.score,
    source: row.source,
    emailClass: row.email_class,
    pipelineId: row.pipeline_id,
    stageKind: row.stage_kind,
    awaitingPlacement: row.awaiting_placement,
  };
}

/** Keeps a lead.scored unless a newer one was seen; `applied` says whether it was. Returns the lead, locked. */
export async function recordScore(manager: EntityManager, workspaceId: string, leadId: string, scored: ScoredLead) {
  const applied = await queryRows(
    manager,
    `INSERT INTO leads (workspace_id, id, email, first_name, last_name, company_name, custom_fields, source, qualification, score, email_class, scored_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (workspace_id, id) DO UPDATE SET
       email = excluded.email, first_name = excluded.first_name, last_name = excluded.last_name, company_name = excluded.company_name,
       custom_fields = excluded.custom_fields, source = excluded.source, qualification = excluded.qualification, score = excluded.score,
       email_class = excluded.email_class, scored_at = excluded.scored_at
     WHERE leads.scored_at IS NULL OR leads.scored_at <= excluded.scored_at
     RETURNING id`,
    [
      workspaceId,
      leadId,
      scored.email,
      scored.firstName,
      scored.lastName,
      scored.companyName,
      JSON.stringify(scored.customFields),
      scored.source,
      scored.qualification,
      scored.score,
      scored.emailClass,
      scored.occurredAt,
    ],
  );
  return { lead: await lockedFacts(manager, workspaceId, leadId), applied: applied.length > 0 };
}

/** Keeps a lead.stage-changed unless a newer one was seen; `applied` says whether it was. Returns the lead, locked. */
export async function recordPlacement(manager: EntityManager, workspaceId: string, leadId: string, placement: Placement) {
  const applied = await queryRows(
    manager,
    `INSERT INTO leads (workspace_id, id, pipeline_id, stage_kind, placed_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (workspace_id, id) DO UPDATE SET pipeline_id = excluded.pipeline_id, stage_kind = excluded.stage_kind, placed_at = excluded.placed_at
     WHERE leads.placed_at IS NULL OR leads.placed_at <= excluded.placed_at
     RETURNING id`,
    [workspaceId, leadId, placement.pipelineId, placement.stageKind, placement.occurredAt],
  );
  return { lead: await lockedFacts(manager, workspaceId, leadId), applied: applied.length > 0 };
}

export async function setAwaitingPlacement(db: Queryable, workspaceId: string, leadId: string, awaiting: boolean): Promise<void> {
  await db.query(`UPDATE leads SET awaiting_placement = $3 WHERE workspace_id = $1 AND id = $2`, [workspaceId, leadId, awaiting]);
}

export async function isSuppressed(db: Queryable, workspaceId: string, email: string): Promise<boolean> {
  const rows = await queryRows(db, `SELECT 1 FROM suppressions WHERE workspace_id = $1 AND email = lower($2)`, [workspaceId, email]);
  return rows.length > 0;
}
