import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { analyseLead, findLeadData } from './dev-analysis';

export const DEV_MODES = ['normal', 'outage', 'hang', 'rate-limit', 'malformed', 'fixed'] as const;
export type DevMode = (typeof DEV_MODES)[number];

/** `POST /_dev/mode`: how the model answers from now on. */
export const modeSchema = z.strictObject({
  mode: z.enum(DEV_MODES),
  /** Added to every answer (not to `hang`). */
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  /** `rate-limit`: the `retry-after` header (seconds). */
  retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
  /** After this many answers in a mode other than `normal`, back to `normal`. */
  times: z.number().int().min(1).optional(),
  /** `fixed`: the assistant message content, verbatim (e.g. an invalid analysis). */
  content: z.string().optional(),
});
export type ModeSettings = z.infer<typeof modeSchema>;

export interface LoggedRequest {
  seq: number;
  /** When it arrived (ISO 8601) and as epoch milliseconds. */
  at: string;
  atMs: number;
  method: string;
  path: string;
  /** The mode that answered it. */
  mode: DevMode;
  status?: number;
  hasAuthorization: boolean;
  body: unknown;
}

export interface DevModelOptions {
  /** The model named in replies when the request's model does not start with `dev-model`. */
  modelName?: string;
  initial?: Partial<ModeSettings>;
  /** Requests kept for `GET /_dev/requests` (the oldest are dropped). */
  logSize?: number;
}

type Api = 'chat' | 'responses';

/**
 * An OpenAI-compatible server for local runs and tests: `POST /v1/chat/completions` and
 * `POST /v1/responses` answer deterministically from the lead data in the request (see
 * dev-analysis.ts), with switchable failure modes and a request log.
 */
export function buildDevModel(options: DevModelOptions = {}): FastifyInstance {
  const modelName = options.modelName ?? 'dev-model-1';
  const logSize = options.logSize ?? 1000;
  let settings: ModeSettings = { mode: 'normal', latencyMs: 0, retryAfterSeconds: 1, ...options.initial };
  let remaining = settings.times;
  let seq = 0;
  const log: LoggedRequest[] = [];

  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024, forceCloseConnections: true });
  // The latency is counted from the request's arrival, before its body is read: the answer takes `latencyMs` as the client sees it.
  const arrivals = new WeakMap<object, number>();
  app.addHook('onRequest', async (request) => void arrivals.set(request.raw, performance.now()));

  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async () => ({ status: 'ok', model: modelName, mode: settings.mode }));
  app.get('/_dev/mode', async () => settings);
  app.post('/_dev/mode', async (request, reply) => {
    const parsed = modeSchema.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send({ error: { message: parsed.error.message, type: 'invalid_request_error' } });
    settings = { latencyMs: 0, retryAfterSeconds: 1, ...parsed.data };
    remaining = settings.times;
    return settings;
  });
  app.get('/_dev/requests', async () => ({ items: log }));
  app.delete('/_dev/requests', async (_request, reply) => {
    log.length = 0;
    return reply.code(204).send();
  });
  app.get('/v1/models', async () => ({ object: 'list', data: [{ id: modelName, object: 'model', created: 0, owned_by: 'dev' }] }));

  const answer = (api: Api) => async (request: { body: unknown; headers: Record<string, unknown>; url: string; method: string; raw: object }, reply: FastifyReply) => {
    const mode = settings.mode;
    if (mode !== 'normal' && remaining !== undefined) {
      remaining -= 1;
      if (remaining <= 0) settings = { mode: 'normal', latencyMs: settings.latencyMs, retryAfterSeconds: settings.retryAfterSeconds };
    }
    const entry: LoggedRequest = {
      seq: ++seq,
      at: new Date().toISOString(),
      atMs: Date.now(),
      method: request.method,
      path: request.url,
      mode,
      hasAuthorization: typeof request.headers.authorization === 'string' && request.headers.authorization.startsWith('Bearer '),
      body: request.body,
    };
    log.push(entry);
    if (log.length > logSize) log.splice(0, log.length - logSize);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      return reply.code(status).headers(headers).send(payload);
    };

    if (mode === 'hang') {
      // Never answers: the client's timeout is what ends the call.
      reply.hijack();
      entry.status = 0;
      return;
    }
    const elapsed = performance.now() - (arrivals.get(request.raw) ?? performance.now());
    if (settings.latencyMs && settings.latencyMs > elapsed) await sleep(settings.latencyMs - elapsed);
    const body = request.body as Record<string, unknown> | undefined;
    if (!body || typeof body.model !== 'string' || (api === 'chat' ? !Array.isArray(body.messages) : body.input === undefined)) {
      return send(400, { error: { message: `dev model: ${api === 'chat' ? 'model and messages' : 'model and input'} are required`, type: 'invalid_request_error', code: null, param: null } });
    }
    if (mode === 'outage') return send(503, { error: { message: 'dev model: simulated outage', type: 'server_error', code: 'service_unavailable', param: null } });
    if (mode === 'rate-limit') {
      return send(
        429,
        { error: { message: 'dev model: simulated rate limit, retry later', type: 'requests', code: 'rate_limit_exceeded', param: null } },
        { 'retry-after': String(settings.retryAfterSeconds ?? 1) },
      );
    }

    const text = requestText(api, body);
    const analysis = analyseLead(findLeadData(text));
    let content = JSON.stringify(analysis);
    if (mode === 'malformed') content = `{"score": ${analysis.score}, "qualification": "${analysis.qualification}", "reason": "${analysis.reason.slice(0, 20)}`;
    if (mode === 'fixed') content = settings.content ?? '';
    const model = body.model.startsWith('dev-model') ? body.model : modelName;
    const usage = { input: Math.ceil(text.length / 4), output: Math.ceil(content.length / 4) };
    return send(200, api === 'chat' ? chatCompletion(seq, model, content, usage) : response(seq, model, content, usage));
  };

  app.post('/v1/chat/completions', answer('chat'));
  app.post('/v1/responses', answer('responses'));
  return app;
}

/** Everything the request asks the model to read: messages or instructions + input. */
function requestText(api: Api, body: Record<string, unknown>): string {
  const partText = (content: unknown): string => {
    if (typeof content === 'string') return content;
    if (Array.isArray(content)) return content.map((part) => (typeof part === 'string' ? part : typeof part?.text === 'string' ? part.text : '')).join('');
    return '';
  };
  if (api === 'chat') {
    return (body.messages as Array<{ content?: unknown }>).map((message) => partText(message?.content)).join('\n');
  }
  const input = body.input;
  const inputText = typeof input === 'string' ? input : Array.isArray(input) ? input.map((item) => partText(item?.content ?? item)).join('\n') : '';
  return [typeof body.instructions === 'string' ? body.instructions : '', inputText].join('\n');
}

function chatCompletion(seq: number, model: string, content: string, usage: { input: number; output: number }) {
  return {
    id: `chatcmpl-dev-${seq}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'dev-model',
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
  };
}

function response(seq: number, model: string, content: string, usage: { input: number; output: number }) {
  return {
    id: `resp_dev_${seq}`,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'completed',
    model,
    output: [{ type: 'message', id: `msg_dev_${seq}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: content, annotations: [] }] }],
    usage: {
      input_tokens: usage.input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: usage.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.input + usage.output,
    },
  };
}
