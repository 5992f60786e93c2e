import type { JsonObject } from '@bufbuild/protobuf';
import type { EnrichmentJson, FailureJson } from './lead.projection';

export const PROCESSING_STATUSES = ['received', 'enriched', 'scored', 'failed'] as const;
export type ProcessingStatus = (typeof PROCESSING_STATUSES)[number];

export const QUALIFICATIONS = ['hot', 'warm', 'cold'] as const;
export type QualificationName = (typeof QUALIFICATIONS)[number];

/** The intake channels (`LeadChannel`), lower-case. */
export const LEAD_SOURCES = ['api', 'webhook', 'form', 'csv_import', 'console'] as const;
export type LeadSourceName = (typeof LEAD_SOURCES)[number];

/** What the API shows of a row of `leads`. */
export interface LeadRow {
  readonly id: string;
  readonly email: string | null;
  readonly first_name: string | null;
  readonly last_name: string | null;
  readonly phone: string | null;
  readonly company_name: string | null;
  readonly job_title: string | null;
  readonly website: string | null;
  readonly country: string | null;
  readonly region: string | null;
  readonly city: string | null;
  readonly source: LeadSourceName | null;
  readonly custom_fields: JsonObject;
  readonly pipeline_id: string | null;
  readonly stage_id: string | null;
  readonly position: number | null;
  readonly processing_status: ProcessingStatus;
  readonly enrichment: EnrichmentJson | null;
  readonly score: number | null;
  readonly qualification: QualificationName | null;
  readonly qualification_reason: string | null;
  readonly scoring_model: string | null;
  readonly failure: FailureJson | null;
  readonly version: number;
  readonly created_at: Date;
  readonly updated_at: Date;
}

/** The columns of LeadRow, for `SELECT ${leadColumns('lead')}`. */
export function leadColumns(alias: string): string {
  return [
    'id', 'email', 'first_name', 'last_name', 'phone', 'company_name', 'job_title', 'website', 'country', 'region', 'city', 'source', 'custom_fields', 'pipeline_id', 'stage_id', 'position',
    'processing_status', 'enrichment', 'score', 'qualification', 'qualification_reason', 'scoring_model', 'failure', 'version',
    'created_at', 'updated_at',
  ]
    .map((column) => `${alias}.${column}`)
    .join(', ');
}

export type LeadJson = ReturnType<typeof toLeadJson>;

export function toLeadJson(row: LeadRow) {
  return {
    id: row.id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    phone: row.phone,
    companyName: row.company_name,
    jobTitle: row.job_title,
    website: row.website,
    country: row.country,
    region: row.region,
    city: row.city,
    source: row.source,
    customFields: row.custom_fields,
    pipelineId: row.pipeline_id,
    stageId: row.stage_id,
    position: row.position,
    processingStatus: row.processing_status,
    enrichment: row.enrichment,
    score: row.score,
    qualification: row.qualification,
    qualificationReason: row.qualification_reason,
    scoringModel: row.scoring_model,
    failure: row.failure,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
