/** The public API's shapes, as the gateway answers them (see /docs-json and services/pipeline/README.md). */

export interface FieldError {
  field: string;
  reason: string;
}

/** RFC 9457 problem details: every error the API answers. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Session {
  user: { id: string; email: string };
  workspace: { id: string; name: string };
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** Only in the answer that created it. */
  key?: string;
}

export type StageKind = 'open' | 'win' | 'lost';

export interface Stage {
  id: string;
  name: string;
  color: string;
  kind: StageKind;
  position: number;
}

export interface Pipeline {
  id: string;
  name: string;
  isDefault: boolean;
  version: number;
  stages: Stage[];
  createdAt: string;
  updatedAt: string;
}

export interface StageInput {
  id?: string;
  name: string;
  color: string;
  kind: StageKind;
}

export const QUALIFICATIONS = ['hot', 'warm', 'cold'] as const;
export type Qualification = (typeof QUALIFICATIONS)[number];
export const SOURCES = ['api', 'webhook', 'form', 'csv_import', 'console'] as const;
export type LeadSource = (typeof SOURCES)[number];
export const PROCESSING_STATUSES = ['received', 'enriched', 'scored', 'failed'] as const;
export type ProcessingStatus = (typeof PROCESSING_STATUSES)[number];

export interface Enrichment {
  email?: { syntaxValid: boolean | null; domain: string | null; mxStatus: 'valid' | 'none' | 'unknown' | null; mxHosts: string[] | null } | null;
  emailClass?: 'business' | 'personal' | 'disposable' | 'invalid' | null;
  geolocation?: {
    countryCode: string | null;
    region: string | null;
    city: string | null;
    latitude: number | null;
    longitude: number | null;
    method: string | null;
    provider: string | null;
    attribution: string | null;
  } | null;
  company?: { name: string | null; domain: string | null; confidence: number | string | null } | null;
}

export interface LeadFailure {
  stage: 'enrichment' | 'scoring';
  reason: string;
  errorCode: string;
  retryable: boolean;
  attemptCount: number;
  analysisId: string | null;
  failedAt: string;
}

export type CustomValue = string | number | boolean | null | CustomValue[] | { [key: string]: CustomValue };

export interface Lead {
  id: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  companyName: string | null;
  jobTitle: string | null;
  website: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  source: LeadSource;
  customFields: Record<string, CustomValue>;
  pipelineId: string | null;
  stageId: string | null;
  position: number | null;
  processingStatus: ProcessingStatus;
  enrichment: Enrichment | null;
  score: number | null;
  qualification: Qualification | null;
  qualificationReason: string | null;
  scoringModel: string | null;
  failure: LeadFailure | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  [field: string]: unknown;
}

export interface StageMove {
  id: string;
  leadId: string;
  fromPipelineId: string | null;
  fromStageId: string | null;
  fromStageName: string | null;
  fromStageKind: StageKind | null;
  toPipelineId: string;
  toStageId: string;
  toStageName: string;
  toStageKind: StageKind;
  actor: { kind: 'user' | 'api_key' | 'system'; id: string };
  channel: 'api' | 'kanban' | 'detail_dropdown' | 'bulk' | 'system';
  bulkMoveId: string | null;
  movedAt: string;
}

/** One thing that happened to a lead (`GET /v1/leads/:id/timeline`), told by the service that did it. */
export type TimelineEntry = { id: string; at: string } & (
  | { type: 'submitted'; channel: string; fields: Record<string, unknown>; utm: Record<string, string>; referrer: string | null }
  | {
      type: 'enriched' | 'enrichment-failed';
      emailClass: string | null;
      mxStatus: string | null;
      location: { countryCode: string; region: string; city: string } | null;
      company: string | null;
      reason: string | null;
      durationMs: number;
    }
  | { type: 'analysis-requested'; requestedBy: { kind: string; id: string } | null }
  | {
      type: 'analysis-attempt';
      number: number;
      model: string;
      outcome: string;
      latencyMs: number;
      totalTokens: number | null;
      httpStatus: number | null;
      error: string | null;
    }
  | { type: 'scored' | 'analysis-failed'; score: number | null; qualification: string | null; reason: string | null; model: string | null; attempts: number }
  | { type: 'placed' | 'stage-moved'; fromStageName: string | null; toStageName: string; channel: StageMove['channel'] }
  | { type: 'enrolled' | 'sequence-completed' | 'sequence-stopped'; sequenceName: string | null; stopReason?: string | null }
  | { type: 'email'; sequenceName: string | null; step: number; subject: string; status: string; error: string | null }
);

export interface Timeline {
  items: TimelineEntry[];
  /** Services that did not answer: their part is missing. */
  unavailable: string[];
  truncated: boolean;
}

export interface BoardColumn {
  stage: Stage;
  count: number;
  cards: Lead[];
  nextCursor: string | null;
}

export interface Board {
  pipeline: Pipeline;
  columns: BoardColumn[];
}

export interface LeadFilters {
  qualification?: Qualification;
  source?: LeadSource;
  processingStatus?: ProcessingStatus;
  q?: string;
}

export interface BulkResult {
  bulkMoveId: string | null;
  results: Array<{ leadId: string; status: 'moved' | 'unchanged' | 'not_found' | 'invalid'; detail?: string }>;
}

export interface FunnelStep {
  stage: Stage;
  reached: number;
  conversionRate: number | null;
  medianSecondsInStage: number | null;
}

export interface Funnel {
  pipelineId: string;
  from: string | null;
  to: string | null;
  source: LeadSource | null;
  stages: FunnelStep[];
  totals: { leads: number; won: number; winRate: number | null; lost: number; lostRate: number | null };
}

export interface WebhookSource {
  id: string;
  name: string;
  token?: string;
  url: string;
  fieldMapping: Record<string, string> | null;
  createdAt: string;
  /** Only in the answer that created it. */
  secret?: string;
}

export interface Form {
  id: string;
  name: string;
  formKey: string;
  url: string;
  allowedOrigins: string[];
  redirectUrl: string | null;
  createdAt: string;
}

export type ImportStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface ImportJob {
  id: string;
  status: ImportStatus;
  fileName: string;
  rowsTotal: number;
  rowsRead: number;
  created: number;
  updated: number;
  failed: number;
  columns: Array<{ name: string; field: string }>;
  errors?: Array<{ row: number; field: string; message: string }>;
  pipelineId: string | null;
  failure: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export type SequenceStatus = 'active' | 'paused' | 'archived';

export interface SequenceStep {
  delaySeconds: number;
  subject: string;
  body: string;
}

export interface SequenceCriteria {
  qualifications: Array<'hot' | 'warm'>;
  pipelineIds?: string[];
  sources?: LeadSource[];
  minScore?: number | null;
}

export interface Sequence {
  id: string;
  name: string;
  status: SequenceStatus;
  criteria: SequenceCriteria;
  steps: SequenceStep[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface Enrollment {
  leadId: string;
  email: string;
  status: 'active' | 'paused' | 'completed' | 'stopped';
  currentStep: number;
  nextRunAt: string | null;
  stopReason: string | null;
  [field: string]: unknown;
}

export interface Notification {
  id: string;
  kind: 'leads_failed' | 'webhook_disabled';
  title: string;
  body: string;
  count: number;
  createdAt: string;
  updatedAt: string;
  readAt: string | null;
  open: boolean;
  details: Record<string, unknown>;
}

export const EVENT_TYPES = ['lead.created', 'lead.enriched', 'lead.scored', 'lead.failed', 'lead.stage-changed', 'lead.analysis-requested'] as const;

export interface WebhookSubscription {
  id: string;
  url: string;
  events: string[];
  status: 'active' | 'disabled';
  consecutiveFailures: number;
  failingSince: string | null;
  disabledAt: string | null;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
  /** Only in the answer that created it. */
  secret?: string;
}

export interface WebhookDelivery {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'delivering' | 'delivered' | 'failed';
  attemptCount: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  lastDurationMs: number | null;
  deliveredAt: string | null;
  createdAt: string;
}
