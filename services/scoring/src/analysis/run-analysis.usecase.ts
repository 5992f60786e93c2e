import { FailureStage, Qualification, Topics, type LeadEnriched } from '@leads/contracts';
import { Outbox, contextFromTraceHeaders } from '@leads/messaging';
import { LOGGER } from '@leads/observability';
import { SERVICE_CONFIG } from '@leads/service';
import { Inject, Injectable } from '@nestjs/common';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { ModelClient, TRANSIENT_OUTCOMES, type AttemptOutcome, type AttemptRecord } from '../model/model-client';
import { PROMPT_VERSION, buildScoringPrompt } from '../model/scoring-prompt';
import type { ScoringConfig } from '../scoring.config';
import { AnalysisJobsStore, type ClaimedJob, type JobResult } from './analysis-jobs.store';
import { leadFromSnapshot } from './lead-snapshot';
import { RateLimiter } from './rate-limiter';
import { afterRetryAfter, backoffMs } from './retry-policy';
import { scoringMetrics } from './scoring.metrics';

/** What became of a claimed job. `retryInMs`: it is queued again and due then. */
export type RunOutcome = { kind: 'scored' | 'failed' | 'released' | 'lost' } | { kind: 'retry'; retryInMs: number };

const QUALIFICATIONS = { hot: Qualification.HOT, warm: Qualification.WARM, cold: Qualification.COLD } as const;
const tracer = trace.getTracer('@leads/scoring');

/**
 * One attempt of a claimed analysis job, outside any transaction while the model works; then,
 * in one transaction, the attempt's record, the job's new state and — when the job is over —
 * `lead.scored` or `lead.failed` through the outbox. Runs in the trace of the event that asked
 * for the analysis (its context is stored with the job).
 */
@Injectable()
export class RunAnalysis {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: AnalysisJobsStore,
    private readonly outbox: Outbox,
    private readonly model: ModelClient,
    private readonly limiter: RateLimiter,
    @Inject(SERVICE_CONFIG) private readonly config: ScoringConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * `onCallDone` is called as soon as the model has answered (or right away when no call is
   * made), before the result is written: the worker's slot is free for the next call from then on.
   */
  async run(job: ClaimedJob, signal: AbortSignal, onCallDone: () => void = () => undefined): Promise<RunOutcome> {
    const parent = contextFromTraceHeaders(job.traceHeaders);
    const span = tracer.startSpan(
      'analyse lead',
      {
        kind: SpanKind.INTERNAL,
        attributes: { 'leads.lead.id': job.leadId, 'leads.workspace.id': job.workspaceId, 'leads.analysis.id': job.id, 'leads.analysis.attempt_number': job.attemptCount },
      },
      parent,
    );
    try {
      const outcome = await context.with(trace.setSpan(parent, span), () => this.attempt(job, signal, onCallDone));
      span.setAttribute('leads.analysis.result', outcome.kind);
      if (outcome.kind === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: 'analysis failed' });
      return outcome;
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  }

  private async attempt(job: ClaimedJob, signal: AbortSignal, onCallDone: () => void): Promise<RunOutcome> {
    if (job.previousStatus === 'running') await this.recordAbandoned(job);
    const lead = job.input === null ? undefined : leadFromSnapshot(job.input);
    const startedAt = new Date();
    const base = { api: this.model.api, model: this.model.model, startedAt, latencyMs: 0 };
    let record: AttemptRecord;
    if (!lead) {
      record = { ...base, outcome: 'no_input', errorMessage: 'no enriched profile of this lead has reached scoring' };
    } else if (job.attemptCount - job.rateLimitedCount > this.config.SCORING_MAX_ATTEMPTS) {
      // Only after abandoned attempts (crashed workers): the budget is spent without a result.
      onCallDone();
      return this.fail(job, lead, undefined, 'abandoned', 'the worker running the previous attempt stopped without an answer');
    } else {
      record = await this.model.analyse(buildScoringPrompt(lead), {
        analysisId: job.id,
        attemptNumber: job.attemptCount,
        leadId: job.leadId,
        workspaceId: job.workspaceId,
        signal,
      });
    }
    onCallDone();
    this.count(record);

    if (record.outcome === 'aborted') {
      await this.store.release(job);
      return { kind: 'released' };
    }
    if (record.outcome === 'success' && record.reply && lead) return this.succeed(job, lead, record);
    if (record.outcome === 'rate_limited' && job.rateLimitedCount < this.config.SCORING_MAX_RATE_LIMITED_ATTEMPTS) {
      const waitMs = record.retryAfterMs === undefined
        ? backoffMs(job.rateLimitedCount + 1, this.config.SCORING_RETRY_BASE_MS, this.config.SCORING_RETRY_MAX_MS)
        : afterRetryAfter(record.retryAfterMs);
      // The provider's limit is the key's: no worker of this replica calls before it has passed.
      this.limiter.pauseUntil(Date.now() + waitMs);
      return this.retry(job, record, waitMs, true);
    }
    const failures = job.attemptCount - job.rateLimitedCount;
    if (TRANSIENT_OUTCOMES.has(record.outcome) && failures < this.config.SCORING_MAX_ATTEMPTS) {
      return this.retry(job, record, backoffMs(failures, this.config.SCORING_RETRY_BASE_MS, this.config.SCORING_RETRY_MAX_MS), false);
    }
    return this.fail(job, lead, record, record.outcome, record.errorMessage);
  }

  private async succeed(job: ClaimedJob, lead: LeadEnriched, record: AttemptRecord): Promise<RunOutcome> {
    const reply = record.reply!;
    const model = record.responseModel || record.model;
    const written = await this.dataSource.transaction(async (manager) => {
      const result: JobResult = {
        status: 'scored',
        score: reply.score,
        qualification: reply.qualification,
        reason: reply.reason,
        companyName: reply.companyName,
        model,
        promptVersion: PROMPT_VERSION,
      };
      const attemptId = await this.store.finish(manager, job, result, record);
      if (!attemptId) return false;
      await this.outbox.publish(manager, {
        topic: Topics.leadScored,
        key: job.leadId,
        data: {
          leadId: job.leadId,
          workspaceId: job.workspaceId,
          score: reply.score,
          qualification: QUALIFICATIONS[reply.qualification],
          reason: reply.reason,
          companyName: reply.companyName ?? undefined,
          model,
          promptVersion: PROMPT_VERSION,
          analysisId: job.id,
          attemptId,
          attemptNumber: job.attemptCount,
          profile: lead.profile,
          source: lead.source,
          utm: lead.utm,
          enrichment: lead.enrichment,
        },
      });
      return true;
    });
    if (!written) return this.lost(job);
    scoringMetrics.analyses.inc({ result: 'scored', error_code: '' });
    return { kind: 'scored' };
  }

  private async retry(job: ClaimedJob, record: AttemptRecord, delayMs: number, rateLimited: boolean): Promise<RunOutcome> {
    const written = (await this.store.requeue(job, delayMs, rateLimited, record, PROMPT_VERSION)) !== undefined;
    if (!written) return this.lost(job);
    this.logger.warn(
      { analysisId: job.id, leadId: job.leadId, attempt: job.attemptCount, outcome: record.outcome, error: record.errorMessage, retryInMs: delayMs },
      'analysis attempt failed; retrying',
    );
    return { kind: 'retry', retryInMs: delayMs };
  }

  private async fail(
    job: ClaimedJob,
    lead: LeadEnriched | undefined,
    record: AttemptRecord | undefined,
    outcome: AttemptOutcome,
    detail: string | undefined,
  ): Promise<RunOutcome> {
    const failure = describeFailure(outcome, detail, job, record, this.config);
    const written = await this.dataSource.transaction(async (manager) => {
      const result: JobResult = { status: 'failed', reason: failure.reason, errorCode: failure.errorCode, retryable: failure.retryable, promptVersion: PROMPT_VERSION };
      if (!(await this.store.finish(manager, job, result, record))) return false;
      await this.outbox.publish(manager, {
        topic: Topics.leadFailed,
        key: job.leadId,
        data: {
          leadId: job.leadId,
          workspaceId: job.workspaceId,
          stage: FailureStage.SCORING,
          reason: failure.reason,
          errorCode: failure.errorCode,
          retryable: failure.retryable,
          attemptCount: Math.max(1, job.attemptCount),
          analysisId: job.id,
        },
      });
      return true;
    });
    if (!written) return this.lost(job);
    scoringMetrics.analyses.inc({ result: 'failed', error_code: failure.errorCode });
    this.logger.warn({ analysisId: job.id, leadId: job.leadId, attempts: job.attemptCount, errorCode: failure.errorCode, detail, hasLead: !!lead }, 'analysis failed');
    return { kind: 'failed' };
  }

  /** The lease ran out meanwhile and another worker took the job: its result is the one that counts. */
  private lost(job: ClaimedJob): RunOutcome {
    this.logger.warn({ analysisId: job.id, leadId: job.leadId }, 'analysis claim lost (lease expired); result dropped for the new holder');
    return { kind: 'lost' };
  }

  private async recordAbandoned(job: ClaimedJob): Promise<void> {
    await this.store.recordAbandoned(
      job,
      { api: this.model.api, model: this.model.model, startedAt: new Date(), latencyMs: 0, outcome: 'abandoned', errorMessage: 'the worker stopped before recording a result (lease expired)' },
      PROMPT_VERSION,
    );
    this.count({ outcome: 'abandoned', latencyMs: 0 } as AttemptRecord);
  }

  private count(record: AttemptRecord): void {
    scoringMetrics.attempts.inc({ outcome: record.outcome });
    if (record.latencyMs > 0) scoringMetrics.attemptDuration.observe({ outcome: record.outcome }, record.latencyMs / 1000);
    if (record.usage?.inputTokens) scoringMetrics.tokens.inc({ direction: 'input' }, record.usage.inputTokens);
    if (record.usage?.outputTokens) scoringMetrics.tokens.inc({ direction: 'output' }, record.usage.outputTokens);
    const cost =
      ((record.usage?.inputTokens ?? 0) * this.config.SCORING_PRICE_INPUT_PER_MTOK_USD +
        (record.usage?.outputTokens ?? 0) * this.config.SCORING_PRICE_OUTPUT_PER_MTOK_USD) /
      1_000_000;
    if (cost > 0) scoringMetrics.estimatedCost.inc(cost);
  }
}

interface Failure {
  errorCode: string;
  reason: string;
  retryable: boolean;
}

/** The `lead.failed` a workspace sees: a stable code, and a reason people can act on (no secrets). */
export function describeFailure(
  outcome: AttemptOutcome,
  detail: string | undefined,
  job: Pick<ClaimedJob, 'attemptCount' | 'rateLimitedCount'>,
  record: Pick<AttemptRecord, 'httpStatus'> | undefined,
  config: Pick<ScoringConfig, 'SCORING_TIMEOUT_MS'>,
): Failure {
  const attempts = `${job.attemptCount} attempt${job.attemptCount === 1 ? '' : 's'}`;
  const short = (text: string | undefined) => (text ? ` (${text.replace(/\s+/g, ' ').slice(0, 160)})` : '');
  const notScored = 'The lead was not scored and its data is unchanged; retry the analysis';
  switch (outcome) {
    case 'not_configured':
      return {
        errorCode: 'llm_not_configured',
        reason: 'No AI model is configured for scoring (OPENAI_API_KEY is not set), so the lead was not analysed. Set the key, then retry the analysis.',
        retryable: true,
      };
    case 'no_input':
      return {
        errorCode: 'lead_not_enriched',
        reason: 'The lead could not be analysed: its enriched profile has not reached scoring (enrichment failed or is not finished). It is analysed once enrichment completes.',
        retryable: true,
      };
    case 'timeout':
      return { errorCode: 'llm_timeout', reason: `The AI model did not answer within ${config.SCORING_TIMEOUT_MS / 1000} s (${attempts}). ${notScored} later.`, retryable: true };
    case 'unavailable':
    case 'abandoned':
      return {
        errorCode: 'llm_unavailable',
        reason: `The AI model was unavailable${short(record?.httpStatus ? `HTTP ${record.httpStatus}` : detail)} after ${attempts}. ${notScored} when it is back.`,
        retryable: true,
      };
    case 'malformed':
      return {
        errorCode: 'llm_malformed_reply',
        reason: `The AI model's replies were not valid analyses after ${attempts}${short(detail)}; no score was recorded. Retry the analysis.`,
        retryable: true,
      };
    case 'rate_limited':
      return {
        errorCode: 'llm_rate_limited',
        reason: `The AI provider kept rate-limiting the requests (${job.rateLimitedCount + 1} times HTTP 429). ${notScored} later.`,
        retryable: true,
      };
    case 'quota_exceeded':
      return { errorCode: 'llm_quota_exceeded', reason: `The AI provider account has no quota left (HTTP 429 insufficient_quota). ${notScored} once the quota is restored.`, retryable: true };
    case 'auth_failed':
      return {
        errorCode: 'llm_auth_failed',
        reason: `The AI provider refused the API key (HTTP ${record?.httpStatus ?? 401}). ${notScored} once OPENAI_API_KEY is fixed.`,
        retryable: true,
      };
    case 'rejected':
      return {
        errorCode: 'llm_request_rejected',
        reason: `The AI model server rejected the request${short(detail)}. Check SCORING_MODEL and the server; the lead was not scored.`,
        retryable: record?.httpStatus === 404,
      };
    default:
      return { errorCode: 'llm_error', reason: `The AI analysis failed unexpectedly after ${attempts}${short(detail)}. ${notScored}.`, retryable: true };
  }
}
