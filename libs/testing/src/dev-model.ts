import { freePort } from './network';
import { startServiceProcess, waitUntilReady } from './service-process';

export type DevModelMode = 'normal' | 'outage' | 'hang' | 'rate-limit' | 'malformed' | 'fixed';

export interface DevModelSettings {
  mode: DevModelMode;
  /** Added to every answer (not to `hang`). */
  latencyMs?: number;
  /** `rate-limit`: the `retry-after` header, in seconds. */
  retryAfterSeconds?: number;
  /** After this many answers in a mode other than `normal`, the model is back to `normal`. */
  times?: number;
  /** `fixed`: the assistant message content, verbatim. */
  content?: string;
}

/** One request the dev model received, as `GET /_dev/requests` lists it. */
export interface DevModelRequest {
  seq: number;
  at: string;
  atMs: number;
  method: string;
  /** `/v1/chat/completions` or `/v1/responses`. */
  path: string;
  /** The mode that answered it. */
  mode: DevModelMode;
  /** HTTP status answered (0: `hang`, never answered). */
  status?: number;
  hasAuthorization: boolean;
  /** The request body as sent. */
  body: DevModelRequestBody;
}

/** What the scoring service sends: chat completions (`messages`) or responses (`instructions` + `input`). */
export interface DevModelRequestBody {
  model?: string;
  messages?: Array<{ role: string; content: string }>;
  instructions?: string;
  input?: unknown;
  [key: string]: unknown;
}

export interface DevModel {
  /** The OpenAI base URL to give the scoring service (`OPENAI_BASE_URL`): `http://127.0.0.1:<port>/v1`. */
  readonly url: string;
  /** `http://127.0.0.1:<port>`, where `/_dev/*` lives. */
  readonly origin: string;
  /** The model name its replies carry. */
  readonly modelName: string;
  setMode(settings: DevModelSettings): Promise<void>;
  /** Every request received so far (the last 1000), oldest first. */
  requests(): Promise<DevModelRequest[]>;
  clearRequests(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartDevModelOptions {
  modelName?: string;
  latencyMs?: number;
}

/**
 * Starts the dev model (services/dev-model, compiled to dist/) as its own process on a free
 * port: an OpenAI-compatible server that answers deterministically, with switchable outage,
 * hang, 429 and malformed modes, and a request log.
 */
export async function startDevModel(options: StartDevModelOptions = {}): Promise<DevModel> {
  const port = await freePort();
  const modelName = options.modelName ?? 'dev-model-1';
  const process = startServiceProcess({
    name: 'dev-model',
    entry: 'dist/services/dev-model/src/main.js',
    env: { PORT: String(port), HOST: '127.0.0.1', DEV_MODEL_NAME: modelName, DEV_MODEL_LATENCY_MS: String(options.latencyMs ?? 0) },
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitUntilReady(process, origin);
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`dev model ${method} ${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : response.json();
  };
  return {
    url: `${origin}/v1`,
    origin,
    modelName,
    setMode: async (settings) => void (await call('POST', '/_dev/mode', settings)),
    requests: async () => ((await call('GET', '/_dev/requests')) as { items: DevModelRequest[] }).items,
    clearRequests: async () => void (await call('DELETE', '/_dev/requests')),
    stop: async () => void (await process.stop()),
  };
}
