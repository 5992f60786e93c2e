import type { JsonValue } from '@bufbuild/protobuf';
import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { DataSource, type EntityManager } from 'typeorm';
import type { AttemptRecord } from '../model/model-client';

export type JobTrigger = 'lead.enriched' | 'lead.analysis-requested';

export interface NewJob {
  workspaceId: string;
  leadId: string;
  /** One job per key and lead: `submission:<id>` for lead.enriched, `event:<ce_id>` otherwise. */
  dedupeKey: string;
  trigger: JobTrigger;
  triggerEventId: string;
  requestedBy?: { kind: string; id: string } | null;
  /** The LeadEnriched snapshot to analyse; null when the lead was never enriched here. */
  input: JsonValue | null;
  traceHeaders: Record<string, string>;
}

/** A job a worker holds: its claim token proves it still does when the result is written. */
export interface ClaimedJob {
  id: string;
  workspaceId: string;
  leadId: string;
  input: JsonValue | null;
  traceHeaders: Record<string, string>;
  /** Including the attempt starting now. */
  attemptCount: number;
  /** 429 answers before this attempt. */
  rateLimitedCount: number;
  claimToken: string;
  /** `running`: the previous holder's lease ran out (it crashed): its attempt was abandoned. */
  previousStatus: 'queued' | 'running';
}

interface ClaimRow {
  id: string;
  workspace_id: string;
  lead_id: string;
  input: JsonValue | null;
  trace_headers: Record<string, string> | null;
  attempt_count: number;
  rate_limited_count: number;
  due_at: Date;
  previous_status: 'queued' | 'running';
}

export interface JobResult {
  status: 'scored' | 'failed';
  score?: number;
  qualification?: string;
  reason: string;
  companyName?: string | null;
  model?: string;
  promptVersion: string;
  errorCode?: string;
  retryable?: boolean;
}

/**
 * The durable queue of analysis jobs, in the scoring database. Jobs are claimed with
 * `FOR UPDATE SKIP LOCKED` (replicas never take the same job) under a lease: a job whose worker
 * died is claimed again once its lease has run out. Only the holder of the current claim token
 * can write a result, so a worker that lost its lease cannot publish a second outcome.
 */
@Injectable()
export class AnalysisJobsStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records a job in the caller's transaction, in one statement: the job itself (a job with the
   * same dedupe key is not recorded twice: undefined), and a queued job of the same lead is
   * superseded by it: only the latest request is analysed (a running one finishes first: jobs of
   * one lead run one at a time). With `enrichedAt`, the job's input is also kept as the lead's
   * latest enriched profile — unless a newer one is kept already, and then no job is recorded
   * (an older `lead.enriched` arriving late changes nothing). Without it (a requested analysis),
   * the input is the profile kept, or null when the lead was never enriched here.
   */
  async enqueue(manager: EntityManager, job: NewJob, enrichedAt?: Date): Promise<string | undefined> {
    const id = uuidv7();
    const params = [
      id,
      job.workspaceId,
      job.leadId,
      job.dedupeKey,
      job.trigger,
      job.triggerEventId,
      job.requestedBy ? JSON.stringify(job.requestedBy) : null,
      job.input === null ? null : JSON.stringify(job.input),
      JSON.stringify(job.traceHeaders),
    ];
    const [row]: Array<{ id: string | null }> = await manager.query(
      enrichedAt
        ? `WITH kept AS (
             INSERT INTO lead_snapshots (workspace_id, lead_id, snapshot, enriched_at, event_id) VALUES ($2, $3, $8::jsonb, $10, $6)
             ON CONFLICT (workspace_id, lead_id) DO UPDATE
               SET snapshot = excluded.snapshot, enriched_at = excluded.enriched_at, event_id = excluded.event_id, updated_at = now()
               WHERE lead_snapshots.enriched_at <= excluded.enriched_at
             RETURNING lead_id
           ), job AS (
             INSERT INTO analysis_jobs (id, workspace_id, lead_id, dedupe_key, trigger, trigger_event_id, requested_by, input, trace_headers)
             SELECT $1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb FROM kept
             ON CONFLICT (workspace_id, lead_id, dedupe_key) DO NOTHING RETURNING id
           ), superseded AS (
             UPDATE analysis_jobs SET status = 'superseded', superseded_by = $1, finished_at = now(), updated_at = now()
             WHERE workspace_id = $2 AND lead_id = $3 AND status = 'queued' AND EXISTS (SELECT 1 FROM job)
           )
           SELECT (SELECT id FROM job) AS id`
        : `WITH job AS (
             INSERT INTO analysis_jobs (id, workspace_id, lead_id, dedupe_key, trigger, trigger_event_id, requested_by, input, trace_headers)
             VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb,
                     coalesce($8::jsonb, (SELECT snapshot FROM lead_snapshots WHERE workspace_id = $2 AND lead_id = $3)), $9::jsonb)
             ON CONFLICT (workspace_id, lead_id, dedupe_key) DO NOTHING RETURNING id
           ), superseded AS (
             UPDATE analysis_jobs SET status = 'superseded', superseded_by = $1, finished_at = now(), updated_at = now()
             WHERE workspace_id = $2 AND lead_id = $3 AND status = 'queued' AND EXISTS (SELECT 1 FROM job)
           )
           SELECT (SELECT id FROM job) AS id`,
      enrichedAt ? [...params, enrichedAt] : params,
    );
    return row?.id ?? undefined;
  }

  /**
   * Claims up to `limit` jobs, those due first: queued and due, or running with an expired lease
   * (a crashed worker). A job whose lead has another job running is left for later (one lead's
   * results stay in order).
   */
  async claim(leaseMs: number, limit = 1): Promise<ClaimedJob[]> {
    const token = uuidv7();
    // An UPDATE answers [rows, affected count] through TypeORM.
    const [rows] = await this.dataSource.query(
      `WITH next AS (
         SELECT j.id, j.status AS previous_status, j.available_at AS due_at FROM analysis_jobs j
         WHERE j.status IN ('queued', 'running') AND j.available_at <= now()
           AND NOT EXISTS (
             SELECT 1 FROM analysis_jobs r
             WHERE r.workspace_id = j.workspace_id AND r.lead_id = j.lead_id AND r.status = 'running' AND r.available_at > now() AND r.id <> j.id)
         ORDER BY j.available_at, j.id
         LIMIT $3
         FOR UPDATE OF j SKIP LOCKED
       )
       UPDATE analysis_jobs j
       SET status = 'running', claim_token = $1, available_at = now() + $2 * interval '1 millisecond',
           attempt_count = j.attempt_count + 1, updated_at = now()
       FROM next WHERE j.id = next.id
       RETURNING j.id, j.workspace_id, j.lead_id, j.input, j.trace_headers, j.attempt_count, j.rate_limited_count, next.due_at, next.previous_status`,
      [token, leaseMs, limit],
    );
    return (rows as ClaimRow[])
      .sort((a, b) => a.due_at.getTime() - b.due_at.getTime())
      .map((row) => ({
        id: row.id,
        workspaceId: row.workspace_id,
        leadId: row.lead_id,
        input: row.input,
        traceHeaders: row.trace_headers ?? {},
        attemptCount: row.attempt_count,
        rateLimitedCount: row.rate_limited_count,
        claimToken: token,
        previousStatus: row.previous_status,
      }));
  }

  /**
   * The job's outcome and the attempt that decided it, in one statement (in the caller's
   * transaction, with its event). Returns the attempt's id; undefined when the claim was lost.
   */
  async finish(manager: EntityManager, job: ClaimedJob, result: JobResult, attempt: AttemptRecord | undefined): Promise<string | undefined> {
    const update = `UPDATE analysis_jobs
       SET status = $3, score = $4, qualification = $5, reason = $6, company_name = $7, model = $8, prompt_version = $9,
           error_code = $10, retryable = $11, claim_token = NULL, finished_at = now(), updated_at = now()
       WHERE id = $1 AND claim_token = $2 AND status = 'running' RETURNING id`;
    const params = [
      job.id,
      job.claimToken,
      result.status,
      result.score ?? null,
      result.qualification ?? null,
      result.reason,
      result.companyName ?? null,
      result.model ?? null,
      result.promptVersion,
      result.errorCode ?? null,
      result.retryable ?? null,
    ];
    return this.updateWithAttempt(manager, update, params, job, attempt, result.promptVersion);
  }

  /** Back to the queue, due in `delayMs` (counting a 429 when `rateLimited`), with the attempt's record. Undefined when the claim was lost. */
  async requeue(job: ClaimedJob, delayMs: number, rateLimited: boolean, attempt: AttemptRecord, promptVersion: string): Promise<string | undefined> {
    const update = `UPDATE analysis_jobs
       SET status = 'queued', claim_token = NULL, available_at = now() + $3 * interval '1 millisecond',
           rate_limited_count = rate_limited_count + $4, updated_at = now()
       WHERE id = $1 AND claim_token = $2 AND status = 'running' RETURNING id`;
    const params = [job.id, job.claimToken, Math.max(0, Math.round(delayMs)), rateLimited ? 1 : 0];
    return this.updateWithAttempt(this.dataSource.manager, update, params, job, attempt, promptVersion);
  }

  /** An attempt that never happened (shutdown): back to the queue at once, not counted. */
  async release(job: ClaimedJob): Promise<void> {
    await this.dataSource.query(
      `UPDATE analysis_jobs SET status = 'queued', claim_token = NULL, available_at = now(), attempt_count = attempt_count - 1, updated_at = now()
       WHERE id = $1 AND claim_token = $2 AND status = 'running'`,
      [job.id, job.claimToken],
    );
  }

  /** The record of an attempt whose worker disappeared (found when its job is claimed again). */
  async recordAbandoned(job: ClaimedJob, attempt: AttemptRecord, promptVersion: string): Promise<void> {
    const [sql, params] = attemptInsert(job, job.attemptCount - 1, attempt, promptVersion, 1);
    await this.dataSource.query(`${sql} ON CONFLICT (job_id, attempt_number) DO NOTHING`, params);
  }

  /** Runs `update` (which must return the job's id when it applies) and records the attempt only if it did. */
  private async updateWithAttempt(
    manager: EntityManager,
    update: string,
    params: unknown[],
    job: ClaimedJob,
    attempt: AttemptRecord | undefined,
    promptVersion: string,
  ): Promise<string | undefined> {
    if (!attempt) {
      const [rows] = await manager.query(update, params);
      return rows.length > 0 ? job.id : undefined;
    }
    const [insert, attemptParams] = attemptInsert(job, job.attemptCount, attempt, promptVersion, params.length + 1);
    const rows: Array<{ id: string }> = await manager.query(
      `WITH updated AS (${update}) ${insert.replace('VALUES (', 'SELECT ').replace(/\)$/, ' FROM updated')} RETURNING id`,
      [...params, ...attemptParams],
    );
    return rows[0]?.id;
  }
}

const ATTEMPT_COLUMNS = [
  'id',
  'job_id',
  'attempt_number',
  'workspace_id',
  'lead_id',
  'api',
  'model',
  'response_model',
  'response_id',
  'prompt_version',
  'started_at',
  'latency_ms',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'outcome',
  'http_status',
  'error_message',
  'raw_reply',
  'trace_id',
  'span_id',
];
const ATTEMPT_TYPES: Record<string, string> = { started_at: 'timestamptz', latency_ms: 'int', attempt_number: 'int', input_tokens: 'int', output_tokens: 'int', total_tokens: 'int', http_status: 'int', job_id: 'uuid', id: 'uuid', workspace_id: 'uuid', lead_id: 'uuid' };

/** `INSERT INTO analysis_attempts (…) VALUES ($first, …)` and its parameters; a new attempt id is minted. */
function attemptInsert(job: ClaimedJob, attemptNumber: number, record: AttemptRecord, promptVersion: string, first: number): [string, unknown[]] {
  const values = [
    uuidv7(),
    job.id,
    attemptNumber,
    job.workspaceId,
    job.leadId,
    record.api,
    record.model,
    record.responseModel ?? null,
    record.responseId ?? null,
    promptVersion,
    record.startedAt,
    record.latencyMs,
    record.usage?.inputTokens ?? null,
    record.usage?.outputTokens ?? null,
    record.usage?.totalTokens ?? null,
    record.outcome,
    record.httpStatus ?? null,
    record.errorMessage?.slice(0, 2000) ?? null,
    record.rawReply ?? null,
    record.traceId ?? null,
    record.spanId ?? null,
  ];
  const placeholders = ATTEMPT_COLUMNS.map((column, index) => `$${first + index}::${ATTEMPT_TYPES[column] ?? 'text'}`);
  return [`INSERT INTO analysis_attempts (${ATTEMPT_COLUMNS.join(', ')}) VALUES (${placeholders.join(', ')})`, values];
}
