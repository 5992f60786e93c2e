import { queryRows } from '@leads/persistence';
import { InternalAuthGuard, ParseIdPipe, Scope, type RequestScope } from '@leads/service';
import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The most recent analyses a lead's timeline shows; older ones are left out (`truncated`). */
const MAX_JOBS = 50;

interface JobRow {
  id: string;
  trigger: string;
  requested_by: { kind: string; id: string } | null;
  status: string;
  score: number | null;
  qualification: string | null;
  reason: string | null;
  model: string | null;
  prompt_version: string | null;
  error_code: string | null;
  created_at: Date;
  finished_at: Date | null;
  attempts: AttemptRow[];
}

interface AttemptRow {
  attempt_number: number;
  model: string;
  response_model: string | null;
  started_at: string;
  latency_ms: number;
  total_tokens: number | null;
  outcome: string;
  http_status: number | null;
  error_message: string | null;
  trace_id: string | null;
}

/**
 * Every AI analysis of a lead and each of its attempts (model, latency, tokens, outcome, the
 * error), oldest first: what the lead's timeline shows of scoring.
 */
@Controller('v1/leads/:id/analyses')
@UseGuards(InternalAuthGuard)
export class AnalysesController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  async list(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Lead')) id: string) {
    const rows = await queryRows<JobRow>(
      this.dataSource,
      `SELECT j.id, j.trigger, j.requested_by, j.status, j.score, j.qualification, j.reason, j.model, j.prompt_version, j.error_code,
              j.created_at, j.finished_at,
              COALESCE((SELECT json_agg(json_build_object(
                          'attempt_number', a.attempt_number, 'model', a.model, 'response_model', a.response_model,
                          'started_at', a.started_at, 'latency_ms', a.latency_ms, 'total_tokens', a.total_tokens, 'outcome', a.outcome,
                          'http_status', a.http_status, 'error_message', a.error_message, 'trace_id', a.trace_id)
                          ORDER BY a.attempt_number)
                        FROM analysis_attempts a WHERE a.job_id = j.id), '[]') AS attempts
       FROM analysis_jobs j
       WHERE j.workspace_id = $1 AND j.lead_id = $2
       ORDER BY j.created_at DESC, j.id DESC LIMIT $3`,
      [scope.workspaceId, id, MAX_JOBS + 1],
    );
    return { items: rows.slice(0, MAX_JOBS).reverse().map(toAnalysisJson), truncated: rows.length > MAX_JOBS };
  }
}

function toAnalysisJson(row: JobRow) {
  return {
    id: row.id,
    trigger: row.trigger === 'lead.analysis-requested' ? 'requested' : 'enriched',
    requestedBy: row.requested_by,
    status: row.status,
    score: row.score,
    qualification: row.qualification,
    reason: row.reason,
    model: row.model,
    promptVersion: row.prompt_version,
    errorCode: row.error_code,
    createdAt: row.created_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    attempts: row.attempts.map((attempt) => ({
      number: attempt.attempt_number,
      model: attempt.response_model ?? attempt.model,
      startedAt: new Date(attempt.started_at).toISOString(),
      latencyMs: attempt.latency_ms,
      totalTokens: attempt.total_tokens,
      outcome: attempt.outcome,
      httpStatus: attempt.http_status,
      error: attempt.error_message,
      traceId: attempt.trace_id,
    })),
  };
}
