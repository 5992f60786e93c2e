import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  PermissionDeniedError,
  RateLimitError,
} from 'openai';
import { retryAfterMs } from '../analysis/retry-policy';
import type { ScoringApi, ScoringConfig } from '../scoring.config';
import { parseModelReply, type ModelReply } from './model-reply.schema';
import { REPLY_JSON_SCHEMA, type ScoringPrompt } from './scoring-prompt';

/** How one attempt ended. */
export type AttemptOutcome =
  | 'success'
  /** 429: waits for `retry-after`, then tries again. */
  | 'rate_limited'
  /** No answer within SCORING_TIMEOUT_MS. */
  | 'timeout'
  /** 5xx, 408, 409 or no connection. */
  | 'unavailable'
  /** An answer that is not a valid analysis (not JSON, schema violated, refusal, truncated). */
  | 'malformed'
  /** 400, 404, 422: the server refuses the request itself (e.g. an unknown model). */
  | 'rejected'
  | 'auth_failed'
  /** 429 `insufficient_quota`: waiting does not help. */
  | 'quota_exceeded'
  /** No OPENAI_API_KEY: no call made. */
  | 'not_configured'
  /** The lead was never enriched here: nothing to analyse, no call made. */
  | 'no_input'
  /** The worker that ran the attempt disappeared (its lease ran out). */
  | 'abandoned'
  /** Cut short by a shutdown: not counted, the job goes back to the queue. */
  | 'aborted'
  | 'error';

/** Outcomes worth another attempt of the same job. */
export const TRANSIENT_OUTCOMES: ReadonlySet<AttemptOutcome> = new Set(['timeout', 'unavailable', 'malformed', 'abandoned', 'error']);

export interface AttemptRecord {
  outcome: AttemptOutcome;
  api: ScoringApi;
  /** The model asked for. */
  model: string;
  /** The model that answered, as the server names it. */
  responseModel?: string;
  responseId?: string;
  startedAt: Date;
  latencyMs: number;
  usage?: { inputTokens?: number; outputTokens?: number; totalTokens?: number };
  httpStatus?: number;
  errorMessage?: string;
  /** The whole answer as received (or the error body), for the record. */
  rawReply?: string;
  /** For `rate_limited`: what the server asked to wait. */
  retryAfterMs?: number;
  /** For `success`: the validated analysis. */
  reply?: ModelReply;
  traceId?: string;
  spanId?: string;
}

export interface CallContext {
  analysisId: string;
  attemptNumber: number;
  leadId: string;
  workspaceId: string;
  signal: AbortSignal;
}

const RAW_REPLY_MAX_CHARS = 64 * 1024;
const tracer = trace.getTracer('@leads/scoring');

/**
 * The model, through the official SDK: one call per attempt (the SDK's own retries are off: the
 * worker pool retries, durably, and records each attempt), a timeout per call, structured output
 * with a strict JSON schema, no tools. Each call is a CLIENT span with the OpenTelemetry GenAI
 * semantic-convention attributes, written here (instrumentation-openai does not support openai 7).
 */
export class ModelClient {
  private readonly client: OpenAI | undefined;
  readonly model: string;
  readonly api: ScoringApi;
  private readonly server: { address: string; port: number };

  constructor(private readonly config: ScoringConfig) {
    this.model = config.SCORING_MODEL;
    this.api = config.SCORING_API;
    const baseURL = config.OPENAI_BASE_URL ?? 'https://api.openai.com/v1';
    const url = new URL(baseURL);
    this.server = { address: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
    this.client = config.OPENAI_API_KEY
      ? new OpenAI({ apiKey: config.OPENAI_API_KEY, baseURL, maxRetries: 0, timeout: config.SCORING_TIMEOUT_MS })
      : undefined;
  }

  get configured(): boolean {
    return this.client !== undefined;
  }

  /** One attempt: the call, the validation of its answer, the span. Never throws. */
  async analyse(prompt: ScoringPrompt, call: CallContext): Promise<AttemptRecord> {
    const startedAt = new Date();
    const base = { api: this.api, model: this.model, startedAt };
    if (!this.client) return { ...base, outcome: 'not_configured', latencyMs: 0, errorMessage: 'OPENAI_API_KEY is not set' };
    const span = tracer.startSpan(`chat ${this.model}`, { kind: SpanKind.CLIENT, attributes: this.requestAttributes(prompt, call) });
    const { traceId, spanId } = span.spanContext();
    const started = performance.now();
    let record: AttemptRecord;
    try {
      const answer = this.api === 'responses' ? await this.callResponses(prompt, call.signal) : await this.callChat(prompt, call.signal);
      const latencyMs = Math.round(performance.now() - started);
      const parsed = answer.problem ? { ok: false as const, problem: answer.problem } : parseModelReply(answer.text);
      record = {
        ...base,
        outcome: parsed.ok ? 'success' : 'malformed',
        latencyMs,
        httpStatus: 200,
        responseModel: answer.responseModel,
        responseId: answer.responseId,
        usage: answer.usage,
        rawReply: answer.raw,
        reply: parsed.ok ? parsed.reply : undefined,
        errorMessage: parsed.ok ? undefined : parsed.problem,
      };
      span.setAttributes(responseAttributes(answer));
    } catch (error) {
      record = { ...base, ...classifyError(error), latencyMs: Math.round(performance.now() - started) };
    }
    endSpan(span, record);
    return { ...record, traceId, spanId };
  }

  private requestAttributes(prompt: ScoringPrompt, call: CallContext): Attributes {
    return {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': this.model,
      'gen_ai.request.max_tokens': this.config.SCORING_MAX_OUTPUT_TOKENS,
      ...(this.config.SCORING_TEMPERATURE === undefined ? {} : { 'gen_ai.request.temperature': this.config.SCORING_TEMPERATURE }),
      'gen_ai.output.type': 'json',
      'leads.model.api': this.api,
      'server.address': this.server.address,
      'server.port': this.server.port,
      'leads.lead.id': call.leadId,
      'leads.workspace.id': call.workspaceId,
      'leads.analysis.id': call.analysisId,
      'leads.analysis.attempt_number': call.attemptNumber,
      'leads.prompt.version': prompt.version,
    };
  }

  private async callChat(prompt: ScoringPrompt, signal: AbortSignal): Promise<Answer> {
    const completion = await this.client!.chat.completions.create(
      {
        model: this.model,
        messages: [
          { role: 'system', content: prompt.system },
          { role: 'user', content: prompt.user },
        ],
        response_format: { type: 'json_schema', json_schema: { name: 'lead_analysis', strict: true, schema: REPLY_JSON_SCHEMA as unknown as Record<string, unknown> } },
        max_completion_tokens: this.config.SCORING_MAX_OUTPUT_TOKENS,
        ...(this.config.SCORING_TEMPERATURE === undefined ? {} : { temperature: this.config.SCORING_TEMPERATURE }),
      },
      { signal },
    );
    const choice = completion.choices?.[0];
    const message = choice?.message;
    let problem: string | undefined;
    if (!choice || !message) problem = 'the reply has no choice';
    else if (message.refusal) problem = `the model refused: ${message.refusal.slice(0, 300)}`;
    else if (message.tool_calls?.length) problem = 'the reply calls a tool (no tools are offered)';
    else if (choice.finish_reason === 'length') problem = 'the reply was cut at the token limit';
    return {
      text: message?.content ?? null,
      problem,
      responseModel: completion.model,
      responseId: completion.id,
      finishReasons: choice?.finish_reason ? [choice.finish_reason] : [],
      usage: completion.usage
        ? { inputTokens: completion.usage.prompt_tokens, outputTokens: completion.usage.completion_tokens, totalTokens: completion.usage.total_tokens }
        : undefined,
      raw: rawText(completion),
    };
  }

  private async callResponses(prompt: ScoringPrompt, signal: AbortSignal): Promise<Answer> {
    const response = await this.client!.responses.create(
      {
        model: this.model,
        instructions: prompt.system,
        input: prompt.user,
        text: { format: { type: 'json_schema', name: 'lead_analysis', strict: true, schema: REPLY_JSON_SCHEMA as unknown as Record<string, unknown> } },
        max_output_tokens: this.config.SCORING_MAX_OUTPUT_TOKENS,
        store: false,
        ...(this.config.SCORING_TEMPERATURE === undefined ? {} : { temperature: this.config.SCORING_TEMPERATURE }),
      },
      { signal },
    );
    const contents = (response.output ?? []).flatMap((item) => (item.type === 'message' ? item.content : []));
    const refusal = contents.find((content) => content.type === 'refusal');
    const text = contents.flatMap((content) => (content.type === 'output_text' ? [content.text] : [])).join('');
    let problem: string | undefined;
    if (refusal && refusal.type === 'refusal') problem = `the model refused: ${refusal.refusal.slice(0, 300)}`;
    else if ((response.output ?? []).some((item) => item.type !== 'message' && item.type !== 'reasoning')) problem = 'the reply calls a tool (no tools are offered)';
    else if (response.status === 'incomplete') problem = `the reply is incomplete (${response.incomplete_details?.reason ?? 'unknown reason'})`;
    return {
      text,
      problem,
      responseModel: response.model,
      responseId: response.id,
      finishReasons: response.status ? [response.status] : [],
      usage: response.usage
        ? { inputTokens: response.usage.input_tokens, outputTokens: response.usage.output_tokens, totalTokens: response.usage.total_tokens }
        : undefined,
      raw: rawText(response),
    };
  }
}

interface Answer {
  text: string | null;
  /** Set when the answer is unusable whatever its text. */
  problem?: string;
  responseModel?: string;
  responseId?: string;
  finishReasons: string[];
  usage?: AttemptRecord['usage'];
  raw: string;
}

function responseAttributes(answer: Answer): Attributes {
  return {
    ...(answer.responseModel ? { 'gen_ai.response.model': answer.responseModel } : {}),
    ...(answer.responseId ? { 'gen_ai.response.id': answer.responseId } : {}),
    'gen_ai.response.finish_reasons': answer.finishReasons,
    ...(answer.usage?.inputTokens === undefined ? {} : { 'gen_ai.usage.input_tokens': answer.usage.inputTokens }),
    ...(answer.usage?.outputTokens === undefined ? {} : { 'gen_ai.usage.output_tokens': answer.usage.outputTokens }),
  };
}

function endSpan(span: Span, record: AttemptRecord): void {
  span.setAttribute('leads.analysis.outcome', record.outcome);
  if (record.httpStatus) span.setAttribute('http.response.status_code', record.httpStatus);
  if (record.outcome !== 'success') {
    span.setAttribute('error.type', record.outcome === 'malformed' ? 'invalid_reply' : record.httpStatus ? String(record.httpStatus) : record.outcome);
    span.setStatus({ code: SpanStatusCode.ERROR, message: record.errorMessage?.slice(0, 500) });
  }
  span.end();
}

function classifyError(error: unknown): Pick<AttemptRecord, 'outcome' | 'httpStatus' | 'errorMessage' | 'rawReply' | 'retryAfterMs'> {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof APIUserAbortError) return { outcome: 'aborted', errorMessage: message };
  if (error instanceof APIConnectionTimeoutError) return { outcome: 'timeout', errorMessage: message };
  if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return { outcome: 'unavailable', errorMessage: `${message}${cause}` };
  }
  if (error instanceof APIError) {
    const status = typeof error.status === 'number' ? error.status : undefined;
    const rawReply = error.error === undefined ? undefined : rawText(error.error);
    const common = { httpStatus: status, errorMessage: message, rawReply };
    if (error instanceof RateLimitError) {
      if (error.code === 'insufficient_quota') return { ...common, outcome: 'quota_exceeded' };
      return { ...common, outcome: 'rate_limited', retryAfterMs: retryAfterMs(error.headers) };
    }
    if (error instanceof AuthenticationError || error instanceof PermissionDeniedError) return { ...common, outcome: 'auth_failed' };
    if (status !== undefined && (status >= 500 || status === 408 || status === 409)) return { ...common, outcome: 'unavailable' };
    if (status !== undefined) return { ...common, outcome: 'rejected' };
  }
  return { outcome: 'error', errorMessage: message };
}

function rawText(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > RAW_REPLY_MAX_CHARS ? `${text.slice(0, RAW_REPLY_MAX_CHARS)}… [truncated]` : text;
}
