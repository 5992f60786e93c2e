import { gzipSync } from 'node:zlib';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
// The OTLP/HTTP JSON exporter that NodeSDK picks for OTEL_EXPORTER_OTLP_PROTOCOL=http/json
// (a dependency of @opentelemetry/sdk-node).
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { expectEventually } from './expect-eventually';
import { normalizeId, parseTraceRequest, startOtlpReceiver, type OtlpReceiver } from './otlp-receiver';

describe('startOtlpReceiver', () => {
  let receiver: OtlpReceiver;

  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });

  afterEach(async () => {
    await receiver.close();
  });

  it('listens on 127.0.0.1 on a free port', () => {
    expect(receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('receives a parent and a child span from the real OTLP/HTTP JSON exporter', async () => {
    const saved = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url; // the base URL: the exporter appends /v1/traces
    const exporter = new OTLPTraceExporter();
    if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = saved;

    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'otlp-receiver-spec', 'deployment.environment.name': 'test' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    try {
      const tracer = provider.getTracer('otlp-receiver-spec', '1.0.0');
      const parent = tracer.startSpan('POST /leads', {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': 'POST', 'http.response.status_code': 202, 'lead.tags': ['a', 'b'], ratio: 0.5, ok: true },
      });
      const other = tracer.startSpan('earlier batch');
      other.end();
      const child = tracer.startSpan(
        'lead.created publish',
        {
          kind: SpanKind.PRODUCER,
          links: [{ context: other.spanContext(), attributes: { reason: 'batch' } }],
        },
        trace.setSpan(context.active(), parent),
      );
      child.addEvent('queued', { partition: 3 });
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'broker down' });
      child.end();
      parent.end();
      await provider.forceFlush();

      const spans = await expectEventually(
        () => {
          const found = receiver.spans();
          expect(found).toHaveLength(3);
          return found;
        },
        { timeoutMs: 10_000, description: 'spans reach the receiver' },
      );

      const byName = Object.fromEntries(spans.map((span) => [span.name, span]));
      const received = byName['POST /leads']!;
      const receivedChild = byName['lead.created publish']!;
      expect(received).toMatchObject({
        traceId: parent.spanContext().traceId,
        spanId: parent.spanContext().spanId,
        kind: 2,
        serviceName: 'otlp-receiver-spec',
        scopeName: 'otlp-receiver-spec',
        attributes: { 'http.request.method': 'POST', 'http.response.status_code': 202, 'lead.tags': ['a', 'b'], ratio: 0.5, ok: true },
        resourceAttributes: expect.objectContaining({ 'deployment.environment.name': 'test' }),
        status: { code: 0 },
      });
      expect(received).not.toHaveProperty('parentSpanId');
      expect(receivedChild).toMatchObject({
        traceId: parent.spanContext().traceId,
        spanId: child.spanContext().spanId,
        parentSpanId: parent.spanContext().spanId,
        kind: 4,
        serviceName: 'otlp-receiver-spec',
        links: [{ traceId: other.spanContext().traceId, spanId: other.spanContext().spanId, attributes: { reason: 'batch' } }],
        events: [{ name: 'queued', attributes: { partition: 3 } }],
        status: { code: 2, message: 'broker down' },
      });
      for (const span of spans) {
        expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
        expect(span.startTimeUnixNano).toMatch(/^\d{19}$/);
        expect(BigInt(span.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(span.startTimeUnixNano));
      }

      receiver.clear();
      expect(receiver.spans()).toEqual([]);
    } finally {
      await provider.shutdown();
    }
  });

  it('answers 415 to protobuf, 404 elsewhere, 405 to GET, 400 to malformed JSON', async () => {
    const traces = `${receiver.url}/v1/traces`;
    const protobuf = await fetch(traces, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array([1, 2]) });
    expect(protobuf.status).toBe(415);
    expect(((await protobuf.json()) as { message: string }).message).toContain('http/json');
    expect((await fetch(`${receiver.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(404);
    expect((await fetch(traces)).status).toBe(405);
    expect((await fetch(traces, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' })).status).toBe(400);
    expect(receiver.spans()).toEqual([]);
  });

  it('accepts gzip bodies, a charset parameter, base64 ids and enum names', async () => {
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'proto3-json' } }] },
          scopeSpans: [
            {
              scope: { name: 'generic' },
              spans: [
                {
                  traceId: Buffer.from('4bf92f3577b34da6a3ce929d0e0e4736', 'hex').toString('base64'),
                  spanId: Buffer.from('00f067aa0ba902b7', 'hex').toString('base64'),
                  parentSpanId: '',
                  name: 'GET /',
                  kind: 'SPAN_KIND_CLIENT',
                  startTimeUnixNano: '1700000000000000000',
                  endTimeUnixNano: '1700000000000000001',
                  attributes: [{ key: 'big', value: { intValue: '9007199254740993' } }],
                  status: { code: 'STATUS_CODE_OK' },
                },
              ],
            },
          ],
        },
      ],
    };
    const response = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(body)),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    expect(receiver.spans()).toEqual([
      expect.objectContaining({
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        name: 'GET /',
        kind: 3,
        serviceName: 'proto3-json',
        attributes: { big: '9007199254740993' },
        status: { code: 1 },
        links: [],
      }),
    ]);
    expect(receiver.spans()[0]).not.toHaveProperty('parentSpanId');
  });

  it('close() is idempotent', async () => {
    await receiver.close();
    await receiver.close();
    await expect(fetch(`${receiver.url}/v1/traces`)).rejects.toThrow();
  });
});

describe('OTLP/JSON helpers', () => {
  it('normalizes hex (any case) and base64 ids, rejects others', () => {
    expect(normalizeId('4BF92F3577B34DA6A3CE929D0E0E4736', 16)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(normalizeId('APBnqgupArc=', 8)).toBe('00f067aa0ba902b7');
    expect(normalizeId('', 8)).toBeUndefined();
    expect(() => normalizeId('xyz', 8)).toThrow('not a 8-byte id');
  });

  it('ignores an empty request', () => {
    expect(parseTraceRequest({})).toEqual([]);
    expect(parseTraceRequest({ resourceSpans: [{ scopeSpans: [{ spans: [] }] }] })).toEqual([]);
  });
});
