import { randomBytes } from 'node:crypto';
import {
  expectEventually,
  readMetric,
  signUp,
  startDevModel,
  startDnsServer,
  startOtlpReceiver,
  startSmtpServer,
  startStack,
  type DevModel,
  type DnsServer,
  type OtlpReceiver,
  type ReceivedSpan,
  type SmtpServer,
  type Stack,
} from '@leads/testing';

const SPAN_KIND = { server: 2, client: 3, producer: 4, consumer: 5 } as const;

/**
 * What an operator sees in a tracing backend for one lead: every service it passes through, in
 * one trace started by the client's request, each Kafka hop a producer span and the consumer
 * span under it, and the model call as a GenAI span.
 */
describe('one trace per lead, across every service', () => {
  let otlp: OtlpReceiver;
  let dns: DnsServer;
  let model: DevModel;
  let smtp: SmtpServer;
  let stack: Stack;

  beforeAll(async () => {
    [otlp, dns, model, smtp] = await Promise.all([
      startOtlpReceiver(),
      startDnsServer({ 'initech.example': { mx: ['mx.initech.example'], a: ['192.0.2.10'] } }),
      startDevModel(),
      startSmtpServer(),
    ]);
    stack = await startStack(['ingest', 'pipeline', 'enrichment', 'scoring', 'sequences'], {
      env: {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      serviceEnv: {
        enrichment: { DNS_SERVERS: dns.address },
        scoring: { OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'test-key', SCORING_MODEL: model.modelName },
        sequences: { SMTP_URL: smtp.url, SEQUENCES_POLL_INTERVAL_MS: '100' },
      },
    });
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([otlp?.close(), dns?.close(), model?.stop(), smtp?.stop()]);
  });

  it('holds the gateway request, enrichment, scoring with its model call, the pipeline and sequences under one trace id', async () => {
    const account = await signUp(stack.gateway);
    // A hot lead matches this sequence: its enrolment is part of the lead's trace.
    const sequence = await fetch(`${stack.gateway}/v1/sequences`, {
      method: 'POST',
      headers: { ...account.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Hot leads', status: 'active', criteria: { qualifications: ['hot'] }, steps: [{ delaySeconds: 0, subject: 'Hello {{firstName}}', body: 'Hi' }] }),
    });
    expect(sequence.status).toBe(201);
    const traceId = randomBytes(16).toString('hex');
    const clientSpanId = randomBytes(8).toString('hex');
    const response = await fetch(`${stack.gateway}/v1/leads`, {
      method: 'POST',
      headers: { ...account.auth, 'content-type': 'application/json', traceparent: `00-${traceId}-${clientSpanId}-01` },
      body: JSON.stringify({ email: 'ada@initech.example', firstName: 'Ada', lastName: 'Lovelace', phone: '+44 20 7946 0000', jobTitle: 'CTO', organization: 'Initech' }),
    });
    expect(response.status).toBe(202);

    const expected = [
      'ingest: send lead.created',
      'enrichment: process lead.created',
      'enrichment: send lead.enriched',
      'scoring: process lead.enriched',
      `scoring: chat ${model.modelName}`,
      'scoring: send lead.scored',
      'pipeline: process lead.created',
      'pipeline: process lead.enriched',
      'pipeline: process lead.scored',
      'sequences: process lead.scored',
    ];
    const spans = await expectEventually(
      () => {
        const inTrace = otlp.spans().filter((span) => span.traceId === traceId);
        const names = new Set(inTrace.map((span) => `${span.serviceName}: ${span.name}`));
        expect({ missing: expected.filter((name) => !names.has(name)), present: [...names] }).toMatchObject({ missing: [] });
        return inTrace;
      },
      { description: 'spans of every service in the trace of the request', timeoutMs: 60_000 },
    );

    const one = (service: string, name: string): ReceivedSpan => {
      const found = spans.filter((span) => span.serviceName === service && span.name === name);
      expect(found).toHaveLength(1);
      return found[0];
    };
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const request = spans.find((span) => span.serviceName === 'ingest' && span.kind === SPAN_KIND.server);
    expect(request?.parentSpanId).toBe(clientSpanId);

    // Each Kafka hop: the consumer's process span is the child of the producer's send span.
    const hop = (producer: string, consumer: string, topic: string) => {
      const send = one(producer, `send ${topic}`);
      const processed = one(consumer, `process ${topic}`);
      expect(send.kind).toBe(SPAN_KIND.producer);
      expect(processed.kind).toBe(SPAN_KIND.consumer);
      expect(processed.parentSpanId).toBe(send.spanId);
      expect(processed.attributes).toMatchObject({ 'messaging.system': 'kafka', 'messaging.destination.name': topic });
      return { send, processed };
    };
    const created = hop('ingest', 'enrichment', 'lead.created');
    const enriched = hop('enrichment', 'scoring', 'lead.enriched');
    hop('ingest', 'pipeline', 'lead.created');
    hop('enrichment', 'pipeline', 'lead.enriched');
    hop('scoring', 'pipeline', 'lead.scored');
    hop('scoring', 'sequences', 'lead.scored');

    // The outbox keeps the request's context: the first send hangs under the gateway request.
    const ancestors = (span: ReceivedSpan): string[] => {
      const chain: string[] = [];
      for (let parent = byId.get(span.parentSpanId ?? ''); parent; parent = byId.get(parent.parentSpanId ?? '')) chain.push(parent.spanId);
      return chain;
    };
    expect(ancestors(created.send)).toContain(request!.spanId);
    expect(ancestors(enriched.send)).toContain(created.processed.spanId);

    // The model call: a GenAI client span with the gen_ai.* attributes, under scoring's work.
    const chat = one('scoring', `chat ${model.modelName}`);
    expect(chat.kind).toBe(SPAN_KIND.client);
    expect(chat.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': model.modelName,
      'gen_ai.response.model': model.modelName,
    });
    expect(chat.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(chat.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);

    // The pipeline counts its leads by status for dashboards.
    await expectEventually(
      async () =>
        expect(await readMetric(`${stack.services.pipeline.baseUrl}/metrics`, 'pipeline_leads', { processing_status: 'scored', qualification: 'hot' })).toBe(1),
      { description: 'the scored lead counted on /metrics' },
    );
  });
});
