import { isDeepStrictEqual } from 'node:util';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { projectLead, type LeadFact, type ProjectedLead } from './lead.projection';
import { PlaceLead } from './place-lead.usecase';
import { queryRows } from '@leads/persistence';

interface ProjectionRow {
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  company_name: string | null;
  job_title: string | null;
  website: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  source: ProjectedLead['source'];
  custom_fields: ProjectedLead['customFields'];
  profile_at: Date | null;
  profile_from_intake: boolean;
  processing_status: ProjectedLead['processingStatus'];
  status_at: Date | null;
  failure: ProjectedLead['failure'];
  enrichment: ProjectedLead['enrichment'];
  enrichment_at: Date | null;
  score: number | null;
  qualification: ProjectedLead['qualification'];
  qualification_reason: string | null;
  scoring_model: string | null;
  scored_at: Date | null;
  created_at: Date;
  stage_id: string | null;
}

// Same order as ProjectionRow, so a row and a projection convert column by column.
const fields: [keyof ProjectionRow, keyof ProjectedLead][] = [
  ['email', 'email'],
  ['first_name', 'firstName'],
  ['last_name', 'lastName'],
  ['phone', 'phone'],
  ['company_name', 'companyName'],
  ['job_title', 'jobTitle'],
  ['website', 'website'],
  ['country', 'country'],
  ['region', 'region'],
  ['city', 'city'],
  ['source', 'source'],
  ['custom_fields', 'customFields'],
  ['profile_at', 'profileAt'],
  ['profile_from_intake', 'profileFromIntake'],
  ['processing_status', 'processingStatus'],
  ['status_at', 'statusAt'],
  ['failure', 'failure'],
  ['enrichment', 'enrichment'],
  ['enrichment_at', 'enrichmentAt'],
  ['score', 'score'],
  ['qualification', 'qualification'],
  ['qualification_reason', 'qualificationReason'],
  ['scoring_model', 'scoringModel'],
  ['scored_at', 'scoredAt'],
  ['created_at', 'createdAt'],
];
const jsonColumns = new Set<keyof ProjectionRow>(['custom_fields', 'failure', 'enrichment']);

/**
 * Applies one lead event to the read model, in the consumer's transaction: creates the lead if
 * this is the first event seen for it, projects the event under a row lock (events of one lead
 * from different topics are handled concurrently), and places a lead that is on no pipeline yet
 * when lead.created says where it goes.
 */
@Injectable()
export class ProjectLeadEvent {
  constructor(private readonly placeLead: PlaceLead) {}

  async execute(manager: EntityManager, workspaceId: string, leadId: string, fact: LeadFact, placement?: { pipelineId?: string }): Promise<void> {
    await manager.query(`INSERT INTO leads (workspace_id, id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
      workspaceId,
      leadId,
      fact.occurredAt,
    ]);
    const [row] = await queryRows<ProjectionRow>(
      manager,
      `SELECT ${fields.map(([column]) => column).join(', ')}, stage_id FROM leads WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
      [workspaceId, leadId],
    );
    const current = Object.fromEntries(fields.map(([column, field]) => [field, row[column]])) as unknown as ProjectedLead;
    const next = projectLead(current, fact);
    if (!isDeepStrictEqual(current, next)) {
      const values = fields.map(([column, field]) => (jsonColumns.has(column) && next[field] !== null ? JSON.stringify(next[field]) : next[field]));
      await manager.query(
        `UPDATE leads SET ${fields.map(([column], index) => `${column} = $${index + 3}`).join(', ')}, version = version + 1, updated_at = now()
         WHERE workspace_id = $1 AND id = $2`,
        [workspaceId, leadId, ...values],
      );
    }
    if (placement && row.stage_id === null) await this.placeLead.execute(manager, workspaceId, leadId, placement.pipelineId);
  }
}
