import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ipLiteralHost, isPublicAddress } from './target-address';

export type AttemptOutcome = 'delivered' | 'http_error' | 'timeout' | 'network_error' | 'refused_target' | 'aborted' | 'internal_error';

export interface WebhookRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface SenderSettings {
  /** The whole request: connect, send, response headers and the bounded body read. */
  readonly timeoutMs: number;
  readonly allowPrivateTargets: boolean;
  /** Aborts the request (shutdown): the attempt does not count. */
  readonly signal?: AbortSignal;
}

export interface AttemptResult {
  readonly outcome: AttemptOutcome;
  readonly statusCode: number | null;
  readonly durationMs: number;
  /** Why it failed, fit to show to the workspace; null when delivered. */
  readonly error: string | null;
  /** The start of the response body (at most RESPONSE_EXCERPT_BYTES), for the delivery log. */
  readonly responseBody: string | null;
}

/** Of a response, at most this much is read (then the connection is dropped). */
export const RESPONSE_EXCERPT_BYTES = 1024;
export const USER_AGENT = '500Leads-Webhooks/1.0';

const REFUSED_TARGET = 'the URL resolves to a loopback, private, link-local or otherwise non-public address, which webhooks may not be sent to';

class RefusedTargetError extends Error {
  readonly code = 'ERR_WEBHOOK_REFUSED_TARGET';
}

/**
 * Resolves like `dns.lookup`, and fails when any address of the name is not public: checked at
 * connection time on the addresses actually used, so a name cannot pass a check and then
 * re-resolve to an internal address (DNS rebinding).
 */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    if (addresses.length === 0 || addresses.some((entry) => !isPublicAddress(entry.address))) {
      return callback(new RefusedTargetError(REFUSED_TARGET), '', 0);
    }
    if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
    return callback(null, addresses[0].address, addresses[0].family);
  });
};

/**
 * POSTs one webhook: no redirects followed (a 3xx is a failure), the whole exchange bounded by
 * `timeoutMs`, at most RESPONSE_EXCERPT_BYTES of the response read, and no connection to a
 * non-public address unless `allowPrivateTargets`. Never rejects.
 */
export async function sendWebhook(request: WebhookRequest, settings: SenderSettings): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const result = (outcome: AttemptOutcome, error: string | null, statusCode: number | null = null, responseBody: string | null = null): AttemptResult => ({
    outcome,
    statusCode,
    durationMs: elapsed(),
    error: error?.slice(0, 500) ?? null,
    responseBody,
  });

  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return result('network_error', 'the URL is not valid');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return result('network_error', 'only http and https URLs can be delivered to');
  const literal = ipLiteralHost(url);
  if (!settings.allowPrivateTargets && literal !== undefined && !isPublicAddress(literal)) return result('refused_target', REFUSED_TARGET);

  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), settings.timeoutMs);
  const signal = settings.signal ? AbortSignal.any([settings.signal, timeout.signal]) : timeout.signal;
  try {
    const response = await post(url, request, signal, settings.allowPrivateTargets ? undefined : publicOnlyLookup);
    const status = response.statusCode;
    const ok = status >= 200 && status < 300;
    return result(ok ? 'delivered' : 'http_error', ok ? null : `the endpoint answered HTTP ${status}`, status, response.excerpt);
  } catch (error) {
    if (settings.signal?.aborted) return result('aborted', 'the attempt was cut short by a shutdown');
    if (timeout.signal.aborted) return result('timeout', `no complete answer within ${settings.timeoutMs} ms`);
    if (error instanceof RefusedTargetError) return result('refused_target', REFUSED_TARGET);
    return result('network_error', describeNetworkError(error));
  } finally {
    clearTimeout(timer);
  }
}

interface ReadResponse {
  statusCode: number;
  excerpt: string;
}

function post(url: URL, request: WebhookRequest, signal: AbortSignal, lookup: LookupFunction | undefined): Promise<ReadResponse> {
  const body = Buffer.from(request.body);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = transport.request(url, {
      method: 'POST',
      // A connection of its own each time: nothing is reused across subscriptions, and every connection is checked.
      agent: false,
      lookup,
      signal,
      headers: { ...request.headers, 'content-type': 'application/json', 'content-length': String(body.length), 'user-agent': USER_AGENT },
    });
    // `on`, not `once`: dropping the connection after the answer may still raise errors, which must not go unhandled.
    outgoing.on('error', reject);
    outgoing.once('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        response.removeAllListeners('data');
        // Whatever is left of the body is not read: the connection is dropped.
        response.destroy();
        resolve({ statusCode: response.statusCode ?? 0, excerpt: Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8') });
      };
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= RESPONSE_EXCERPT_BYTES) finish();
      });
      response.once('end', finish);
      response.on('error', finish);
    });
    outgoing.end(body);
  });
}

function describeNetworkError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  switch (code) {
    case 'ENOTFOUND':
      return 'the host name does not resolve';
    case 'ECONNREFUSED':
      return 'the connection was refused';
    case 'ECONNRESET':
      return 'the connection was reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the host is unreachable';
    default:
      return code ? `${code}: ${message ?? ''}`.trim() : (message ?? String(error));
  }
}
