export const SEQUENCE_STATUSES = ['active', 'paused', 'archived'] as const;
export type SequenceStatus = (typeof SEQUENCE_STATUSES)[number];

/** The qualifications a sequence can enrol: cold leads are never enrolled. */
export const ENROLLABLE_QUALIFICATIONS = ['hot', 'warm'] as const;
export type EnrollableQualification = (typeof ENROLLABLE_QUALIFICATIONS)[number];

/** The intake channels (`LeadChannel`), lower-case. */
export const LEAD_SOURCES = ['api', 'webhook', 'form', 'csv_import', 'console'] as const;
export type LeadSourceName = (typeof LEAD_SOURCES)[number];

export interface Step {
  /** After the previous step (after enrolment for the first one). */
  readonly delaySeconds: number;
  readonly subject: string;
  readonly body: string;
}

export interface Criteria {
  readonly qualifications: readonly EnrollableQualification[];
  /** Empty: any pipeline. */
  readonly pipelineIds: readonly string[];
  /** Empty: any source. */
  readonly sources: readonly LeadSourceName[];
  readonly minScore: number | null;
}

/** A row of `sequences`. */
export interface SequenceRow {
  readonly id: string;
  readonly name: string;
  readonly status: SequenceStatus;
  readonly qualifications: EnrollableQualification[];
  readonly pipeline_ids: string[];
  readonly sources: LeadSourceName[];
  readonly min_score: number | null;
  readonly steps: Step[];
  readonly version: number;
  readonly created_at: Date;
  readonly updated_at: Date;
}

export const SEQUENCE_COLUMNS = `id, name, status, qualifications, pipeline_ids, sources, min_score, steps, version, created_at, updated_at`;

export const criteriaOf = (row: SequenceRow): Criteria => ({
  qualifications: row.qualifications,
  pipelineIds: row.pipeline_ids,
  sources: row.sources,
  minScore: row.min_score,
});

export function toSequenceJson(row: SequenceRow) {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    criteria: criteriaOf(row),
    steps: row.steps.map((step) => ({ delaySeconds: step.delaySeconds, subject: step.subject, body: step.body })),
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
export type SequenceJson = ReturnType<typeof toSequenceJson>;
