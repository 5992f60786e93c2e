import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { create } from '@bufbuild/protobuf';
import { LeadEnrichedSchema } from '@leads/contracts';
import type { ScoringConfig } from '../scoring.config';
import { ModelClient } from './model-client';
import { buildScoringPrompt } from './scoring-prompt';

type Handler = (request: IncomingMessage, body: any, response: ServerResponse) => void;

/** A throwaway HTTP server on a real socket; each test says how it answers. */
let server: Server;
let baseUrl: string;
let handler: Handler;
const received: Array<{ url: string; body: any }> = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => {
      const body = text ? JSON.parse(text) : undefined;
      received.push({ url: request.url ?? '', body });
      handler(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
};

const analysis = { score: 64, qualification: 'warm', reason: 'Usable profile without a phone number.', companyName: 'Initech' };

function client(overrides: Partial<ScoringConfig> = {}) {
  return new ModelClient({
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: baseUrl,
    SCORING_MODEL: 'test-model',
    SCORING_API: 'chat-completions',
    SCORING_MAX_OUTPUT_TOKENS: 512,
    SCORING_TIMEOUT_MS: 300,
    ...overrides,
  } as ScoringConfig);
}

const prompt = buildScoringPrompt(create(LeadEnrichedSchema, { leadId: 'l', workspaceId: 'w', profile: { email: 'ada@initech.com' } }));
const call = { analysisId: 'a', attemptNumber: 1, leadId: 'l', workspaceId: 'w', signal: new AbortController().signal };

const chatAnswer = (content: string, extra: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 0,
  model: 'test-model-2026',
  choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', ...extra }],
  usage: { prompt_tokens: 321, completion_tokens: 45, total_tokens: 366 },
});

describe('the model client', () => {
  it('asks through chat completions with a strict JSON schema, no tools, no SDK retries, and validates the answer', async () => {
    handler = (_request, _body, response) => json(response, 200, chatAnswer(JSON.stringify(analysis)));
    const record = await client().analyse(prompt, call);
    expect(record).toMatchObject({
      outcome: 'success',
      model: 'test-model',
      responseModel: 'test-model-2026',
      httpStatus: 200,
      usage: { inputTokens: 321, outputTokens: 45, totalTokens: 366 },
      reply: analysis,
    });
    expect(record.rawReply).toContain('chatcmpl-1');
    expect(received).toHaveLength(1);
    expect(received[0].url).toBe('/v1/chat/completions');
    expect(received[0].body).toMatchObject({
      model: 'test-model',
      max_completion_tokens: 512,
      response_format: { type: 'json_schema', json_schema: { name: 'lead_analysis', strict: true } },
      messages: [
        { role: 'system', content: prompt.system },
        { role: 'user', content: prompt.user },
      ],
    });
    expect(received[0].body.tools).toBeUndefined();
    expect(received[0].body.temperature).toBeUndefined();
  });

  it('asks through the responses API when configured', async () => {
    handler = (_request, _body, response) =>
      json(response, 200, {
        id: 'resp_1',
        object: 'response',
        status: 'completed',
        model: 'test-model-2026',
        output: [{ type: 'message', id: 'm', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: JSON.stringify(analysis), annotations: [] }] }],
        usage: { input_tokens: 300, output_tokens: 40, total_tokens: 340 },
      });
    const record = await client({ SCORING_API: 'responses', SCORING_TEMPERATURE: 0 }).analyse(prompt, call);
    expect(record).toMatchObject({ outcome: 'success', api: 'responses', responseId: 'resp_1', usage: { inputTokens: 300, outputTokens: 40 }, reply: analysis });
    expect(received[0].url).toBe('/v1/responses');
    expect(received[0].body).toMatchObject({
      instructions: prompt.system,
      input: prompt.user,
      temperature: 0,
      max_output_tokens: 512,
      text: { format: { type: 'json_schema', strict: true } },
    });
  });

  it.each([
    ['a refusal', chatAnswer('', {}), 'refused'],
    ['a reply cut at the token limit', chatAnswer('{"score": 1', { finish_reason: 'length' }), 'token limit'],
    ['an invalid analysis', chatAnswer(JSON.stringify({ ...analysis, score: 101 })), 'schema'],
  ])('calls %s malformed', async (_name, answer, problem) => {
    if (problem === 'refused') (answer.choices[0].message as { refusal: string | null }).refusal = 'I cannot help with that.';
    handler = (_request, _body, response) => json(response, 200, answer);
    const record = await client().analyse(prompt, call);
    expect(record.outcome).toBe('malformed');
    expect(record.reply).toBeUndefined();
    expect(record.errorMessage).toContain(problem);
  });

  // Timeouts are covered by the integration tests: under Jest's VM modules the SDK cannot tell its own
  // abort (a DOMException of another realm) from a connection error.
  it('classifies failures, making one request each', async () => {
    const cases: Array<[Handler, string, Record<string, unknown>]> = [
      [(_q, _b, r) => json(r, 429, { error: { message: 'slow down', code: 'rate_limit_exceeded' } }, { 'retry-after': '2' }), 'rate_limited', { retryAfterMs: 2000, httpStatus: 429 }],
      [(_q, _b, r) => json(r, 429, { error: { message: 'no money', type: 'insufficient_quota', code: 'insufficient_quota' } }), 'quota_exceeded', {}],
      [(_q, _b, r) => json(r, 503, { error: { message: 'down' } }), 'unavailable', { httpStatus: 503 }],
      [(_q, _b, r) => json(r, 401, { error: { message: 'bad key' } }), 'auth_failed', { httpStatus: 401 }],
      [(_q, _b, r) => json(r, 404, { error: { message: 'no such model' } }), 'rejected', { httpStatus: 404 }],
    ];
    for (const [answer, outcome, fields] of cases) {
      received.length = 0;
      handler = answer;
      const record = await client().analyse(prompt, call);
      expect({ outcome: record.outcome, ...Object.fromEntries(Object.keys(fields).map((key) => [key, record[key as keyof typeof record]])) }).toEqual({ outcome, ...fields });
      expect(received).toHaveLength(1);
    }
  });

  it('reports a server that is not there as unavailable', async () => {
    const record = await client({ OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' }).analyse(prompt, call);
    expect(record.outcome).toBe('unavailable');
  });

  it('makes no call at all without an API key', async () => {
    const record = await client({ OPENAI_API_KEY: undefined }).analyse(prompt, call);
    expect(record.outcome).toBe('not_configured');
    expect(received).toHaveLength(0);
  });
});
