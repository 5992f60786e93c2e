import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

const gunzipAsync = promisify(gunzip);

/** One span as received, flattened out of OTLP's resourceSpans/scopeSpans nesting. */
export interface ReceivedSpan {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** Absent on a root span. */
  parentSpanId?: string;
  name: string;
  /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  /** The resource's service.name. */
  serviceName: string;
  /** Span attributes as plain values (int64 as number when it fits, else string). */
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string; attributes: Record<string, unknown> }[];
  /** Nanoseconds since the epoch, as a decimal string (exact). */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  events: { name: string; timeUnixNano: string; attributes: Record<string, unknown> }[];
  /** Instrumentation scope (tracer) name. */
  scopeName: string;
  resourceAttributes: Record<string, unknown>;
}

export interface OtlpReceiver {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces): `http://127.0.0.1:<port>`. */
  url: string;
  /** Every span received so far, in arrival order (a copy). */
  spans(): ReceivedSpan[];
  /** Forgets the spans received so far. */
  clear(): void;
  close(): Promise<void>;
}

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};

const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

const MAX_BODY_BYTES = 64 * 1024 * 1024;

type Json = Record<string, unknown>;

function asObject(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * OTLP/JSON carries ids as hex (the spec's deviation from proto3 JSON), but a generic proto3
 * JSON encoder would send base64: accept both, return lowercase hex.
 */
export function normalizeId(value: unknown, bytes: 8 | 16): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (value.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(value)) return value.toLowerCase();
  const decoded = Buffer.from(value, 'base64');
  if (decoded.length === bytes) return decoded.toString('hex');
  throw new Error(`not a ${bytes}-byte id in hex or base64: ${JSON.stringify(value)}`);
}

function enumValue(value: unknown, names: Record<string, number>): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return names[value] ?? (Number.isInteger(Number(value)) ? Number(value) : 0);
  return 0;
}

function nanos(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') return String(value);
  // The protobufjs "long bits" form, in case an encoder sends it.
  const { low, high } = asObject(value);
  if (typeof low === 'number' && typeof high === 'number') {
    return ((BigInt(high >>> 0) << 32n) | BigInt(low >>> 0)).toString();
  }
  return '0';
}

function anyValue(value: unknown): unknown {
  const v = asObject(value);
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) {
    const n = Number(v.intValue);
    return Number.isSafeInteger(n) ? n : String(v.intValue);
  }
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('arrayValue' in v) return asArray(asObject(v.arrayValue).values).map(anyValue);
  if ('kvlistValue' in v) return keyValues(asObject(v.kvlistValue).values);
  if ('bytesValue' in v) return v.bytesValue;
  return undefined;
}

function keyValues(list: unknown): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const entry of asArray(list)) {
    const { key, value } = asObject(entry);
    if (typeof key === 'string') result[key] = anyValue(value);
  }
  return result;
}

/** Flattens an ExportTraceServiceRequest in OTLP/JSON into spans. */
export function parseTraceRequest(body: unknown): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of asArray(asObject(body).resourceSpans)) {
    const resourceAttributes = keyValues(asObject(asObject(resourceSpans).resource).attributes);
    const serviceName = typeof resourceAttributes['service.name'] === 'string' ? resourceAttributes['service.name'] : '';
    for (const scopeSpans of asArray(asObject(resourceSpans).scopeSpans)) {
      const scopeName = String(asObject(asObject(scopeSpans).scope).name ?? '');
      for (const rawSpan of asArray(asObject(scopeSpans).spans)) {
        const span = asObject(rawSpan);
        const status = asObject(span.status);
        const traceId = normalizeId(span.traceId, 16);
        const spanId = normalizeId(span.spanId, 8);
        if (traceId === undefined || spanId === undefined) throw new Error('span without traceId or spanId');
        const parentSpanId = normalizeId(span.parentSpanId, 8);
        spans.push({
          traceId,
          spanId,
          ...(parentSpanId === undefined ? {} : { parentSpanId }),
          name: String(span.name ?? ''),
          kind: enumValue(span.kind, SPAN_KINDS),
          serviceName,
          attributes: keyValues(span.attributes),
          links: asArray(span.links).map((rawLink) => {
            const link = asObject(rawLink);
            return {
              traceId: normalizeId(link.traceId, 16) ?? '',
              spanId: normalizeId(link.spanId, 8) ?? '',
              attributes: keyValues(link.attributes),
            };
          }),
          startTimeUnixNano: nanos(span.startTimeUnixNano),
          endTimeUnixNano: nanos(span.endTimeUnixNano),
          status: {
            code: enumValue(status.code, STATUS_CODES),
            ...(typeof status.message === 'string' && status.message !== '' ? { message: status.message } : {}),
          },
          events: asArray(span.events).map((rawEvent) => {
            const event = asObject(rawEvent);
            return {
              name: String(event.name ?? ''),
              timeUnixNano: nanos(event.timeUnixNano),
              attributes: keyValues(event.attributes),
            };
          }),
          scopeName,
          resourceAttributes,
        });
      }
    }
  }
  return spans;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'gzip') return gunzipAsync(body);
  if (encoding !== 'identity') throw new Error(`unsupported content-encoding ${encoding}`);
  return body;
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/**
 * A fake OpenTelemetry collector over a real socket (127.0.0.1, a free port): accepts
 * `POST /v1/traces` in OTLP/HTTP JSON and keeps the spans. The processes under test export to
 * it with `OTEL_EXPORTER_OTLP_ENDPOINT=<url>` and `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`
 * (a short `OTEL_BSP_SCHEDULE_DELAY` makes spans arrive sooner). Protobuf requests get 415.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  let received: ReceivedSpan[] = [];

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/v1/traces') {
      request.resume();
      return reply(response, 404, { message: `no route for ${path}; this receiver only accepts /v1/traces` });
    }
    if (request.method !== 'POST') {
      request.resume();
      response.setHeader('allow', 'POST');
      return reply(response, 405, { message: 'use POST' });
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/json') {
      request.resume();
      return reply(response, 415, {
        message: `unsupported content-type ${JSON.stringify(contentType)}: only application/json (set OTEL_EXPORTER_OTLP_PROTOCOL=http/json)`,
      });
    }
    let spans: ReceivedSpan[];
    try {
      spans = parseTraceRequest(JSON.parse((await readBody(request)).toString('utf8')));
    } catch (error) {
      return reply(response, 400, { message: `bad OTLP/JSON request: ${error instanceof Error ? error.message : String(error)}` });
    }
    received.push(...spans);
    reply(response, 200, {});
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) reply(response, 500, { message: String(error) });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...received],
    clear: () => {
      received = [];
    },
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
