import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { LeadChannel, Topics, encodeEvent, newEventId } from '@leads/contracts';
import {
  createTestDatabase,
  expectEventually,
  queryDatabase,
  readMetric,
  startOtlpReceiver,
  type OtlpReceiver,
  type TestDatabase,
} from '@leads/testing';
import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import { migrateProbe, startProbe, submitLeads, type RunningProbe } from './probe/probe-harness';

const run = promisify(execFile);
const brokers = process.env.TEST_KAFKA_BROKERS!;
const group = `probe-consumer-${randomUUID().slice(0, 8)}`;
const dlqTopic = `${group}.dlq`;

/** Every message of a topic from the beginning, as kcat prints them: key, headers. */
async function kcatRead(topic: string): Promise<Array<{ key: string; headers: Record<string, string> }>> {
  const { stdout } = await run('kcat', ['-b', brokers, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k\t%h\n']);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [key, headerText = ''] = line.split('\t');
      const headers = Object.fromEntries(
        headerText
          .split(',')
          .filter(Boolean)
          .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
      );
      return { key, headers };
    });
}

function lead(firstName = 'Ada') {
  const leadId = randomUUID();
  return { leadId, email: `${leadId.slice(0, 8)}@example.com`, firstName };
}

function leadCreated(leadId: string, firstName: string, id = newEventId()) {
  return encodeEvent(
    Topics.leadCreated,
    { leadId, workspaceId: 'probe-workspace', profile: { email: `${leadId}@example.com`, firstName }, source: { channel: LeadChannel.API } },
    { key: leadId, source: '/tests/backbone', id },
  );
}

describe('event backbone: outbox → Kafka → inbox, across service processes', () => {
  let producerDb: TestDatabase;
  let consumerDb: TestDatabase;
  let otlp: OtlpReceiver;
  let producer: RunningProbe;
  let consumer: RunningProbe;
  let kafkaProducer: Producer;

  const effectsOf = (leadId: string) =>
    queryDatabase<{ event_id: string }>(consumerDb.url, `SELECT event_id FROM probe_effects WHERE lead_id = $1`, [leadId]);
  const startConsumer = (env: Record<string, string> = {}) =>
    startProbe({
      role: 'consumer',
      databaseUrl: consumerDb.url,
      brokers,
      env: { PROBE_GROUP: group, OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100', ...env },
    });
  /** Sends a sentinel event with this key (so the same partition) and waits until it is handled: so is all before it. */
  async function handledAfter(key: string): Promise<void> {
    const sentinel = leadCreated(key, 'sentinel');
    await kafkaProducer.send({ topic: sentinel.topic, messages: [{ key: sentinel.key, value: sentinel.value, headers: sentinel.headers }] });
    await expectEventually(
      async () => {
        const rows = await queryDatabase(consumerDb.url, `SELECT 1 FROM probe_effects WHERE event_id = $1`, [sentinel.headers.ce_id]);
        expect(rows).toHaveLength(1);
      },
      { description: 'the sentinel event handled' },
    );
  }

  beforeAll(async () => {
    [producerDb, consumerDb, otlp] = await Promise.all([createTestDatabase('probe_producer'), createTestDatabase('probe_consumer'), startOtlpReceiver()]);
    await Promise.all([migrateProbe({ databaseUrl: producerDb.url, brokers }), migrateProbe({ databaseUrl: consumerDb.url, brokers })]);
    [producer, consumer] = await Promise.all([
      startProbe({
        role: 'producer',
        databaseUrl: producerDb.url,
        brokers,
        env: { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' },
      }),
      startConsumer(),
    ]);
    kafkaProducer = new Kafka({ brokers: brokers.split(','), clientId: 'backbone-test', logLevel: logLevel.ERROR }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await kafkaProducer.connect();
  });

  afterAll(async () => {
    await kafkaProducer?.disconnect();
    await Promise.all([producer?.process.stop(), consumer?.process.stop()]);
    await otlp?.close();
    await Promise.all([producerDb?.drop(), consumerDb?.drop()]);
  });

  it('delivers an event written through the outbox to a consumer in another process, once, with CloudEvents headers kcat can read', async () => {
    const submitted = lead();
    const { eventIds } = await submitLeads(producer, [submitted]);

    await expectEventually(async () => expect(await effectsOf(submitted.leadId)).toEqual([{ event_id: eventIds[0] }]), {
      description: 'the consumer handled lead.created',
    });

    const message = (await kcatRead('lead.created')).find((m) => m.key === submitted.leadId);
    expect(message?.headers).toMatchObject({
      ce_id: eventIds[0],
      ce_type: 'io.500leads.lead.created.v1',
      ce_source: '/services/probe-producer',
      ce_specversion: '1.0',
      ce_subject: submitted.leadId,
      'content-type': 'application/protobuf',
    });
    expect(message?.headers.ce_time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(message?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  });

  it('publishes nothing from a rolled-back transaction', async () => {
    const rolledBack = lead();
    const result = await submitLeads(producer, [rolledBack], { rollback: true });
    expect(result.committed).toBe(false);
    const committed = lead();
    await submitLeads(producer, [committed]);
    await expectEventually(async () => expect(await effectsOf(committed.leadId)).toHaveLength(1));

    expect(await effectsOf(rolledBack.leadId)).toHaveLength(0);
    expect(await queryDatabase(producerDb.url, `SELECT 1 FROM messaging_outbox WHERE message_key = $1`, [rolledBack.leadId])).toHaveLength(0);
    expect((await kcatRead('lead.created')).filter((m) => m.key === rolledBack.leadId)).toHaveLength(0);
  });

  it('has one effect when the same event id is delivered twice', async () => {
    const duplicated = leadCreated(randomUUID(), 'Twice');
    const metricsUrl = `${consumer.baseUrl}/metrics`;
    const duplicatesBefore = await readMetric(metricsUrl, 'messaging_events_total', { consumer: group, outcome: 'duplicate' });
    const message = { key: duplicated.key, value: duplicated.value, headers: duplicated.headers };
    await kafkaProducer.send({ topic: duplicated.topic, messages: [message, message] });
    await handledAfter(duplicated.key);

    const effects = await queryDatabase(consumerDb.url, `SELECT event_id FROM probe_effects WHERE event_id = $1`, [duplicated.headers.ce_id]);
    expect(effects).toHaveLength(1);
    expect(await readMetric(metricsUrl, 'messaging_events_total', { consumer: group, outcome: 'duplicate' })).toBe(duplicatesBefore + 1);
  });

  describe('a batch of one partition is handled in one transaction', () => {
    const asMessage = (event: ReturnType<typeof leadCreated>) => ({ key: event.key, value: event.value, headers: event.headers });
    const effectsInOrder = (leadId: string) =>
      queryDatabase<{ event_id: string; first_name: string; tx: string }>(
        consumerDb.url,
        `SELECT event_id, first_name, tx::text AS tx FROM probe_effects WHERE lead_id = $1 AND first_name <> 'sentinel' ORDER BY id`,
        [leadId],
      );

    it('skips a duplicate inside the batch, and one of an event handled in an earlier batch', async () => {
      const key = randomUUID(); // one key: one partition, and one producer request: one batch
      const [before, twice, after] = ['before', 'Twice', 'after'].map((name) => leadCreated(key, name));
      const metricsUrl = `${consumer.baseUrl}/metrics`;
      const duplicatesBefore = await readMetric(metricsUrl, 'messaging_events_total', { consumer: group, outcome: 'duplicate' });

      await kafkaProducer.send({ topic: 'lead.created', messages: [before, twice, after, twice].map(asMessage) });
      await handledAfter(key);
      await kafkaProducer.send({ topic: 'lead.created', messages: [asMessage(twice)] });
      await handledAfter(key);

      const effects = await effectsInOrder(key);
      expect(effects.map((effect) => effect.first_name)).toEqual(['before', 'Twice', 'after']);
      expect(new Set(effects.map((effect) => effect.tx)).size).toBe(1);
      expect(await readMetric(metricsUrl, 'messaging_events_total', { consumer: group, outcome: 'duplicate' })).toBe(duplicatesBefore + 2);
    });

    it('commits the events before a failing handler, dead-letters it after its retries, then handles the rest once, in order', async () => {
      const key = randomUUID();
      const events = ['first', 'second', 'always-fails', 'third', 'fourth'].map((name) => leadCreated(key, name));
      const failing = events[2];

      await kafkaProducer.send({ topic: 'lead.created', messages: events.map(asMessage) });
      await handledAfter(key);

      const effects = await effectsInOrder(key);
      expect(effects.map((effect) => effect.first_name)).toEqual(['first', 'second', 'third', 'fourth']);
      expect(effects.map((effect) => effect.event_id)).toEqual([0, 1, 3, 4].map((i) => events[i].headers.ce_id));
      // Those before the failure committed together; those after it, together in a new transaction.
      expect(effects[1].tx).toBe(effects[0].tx);
      expect(effects[3].tx).toBe(effects[2].tx);
      expect(effects[2].tx).not.toBe(effects[0].tx);

      const letters = (await kcatRead(dlqTopic)).filter((m) => m.key === key);
      expect(letters).toHaveLength(1);
      expect(letters[0].headers).toMatchObject({ ce_id: failing.headers.ce_id, dlq_reason: 'handler failed', dlq_attempts: '3' });
      // Its inbox row went with its effects: were it delivered again, it would be handled again.
      expect(await queryDatabase(consumerDb.url, `SELECT 1 FROM messaging_inbox WHERE event_id = $1`, [failing.headers.ce_id])).toHaveLength(0);
    });

    it('does not let a handler that swallowed a failed statement take the rest of its transaction down with it', async () => {
      const key = randomUUID();
      // The first one opens its transaction (no savepoint before it); the second runs in a savepoint.
      const events = ['swallows-error', 'middle', 'swallows-error', 'last'].map((name) => leadCreated(key, name));

      await kafkaProducer.send({ topic: 'lead.created', messages: events.map(asMessage) });
      await handledAfter(key);

      expect((await effectsInOrder(key)).map((effect) => effect.first_name)).toEqual(['middle', 'last']);
      const letters = (await kcatRead(dlqTopic)).filter((m) => m.key === key);
      expect(letters.map((letter) => letter.headers.ce_id)).toEqual([events[0].headers.ce_id, events[2].headers.ce_id]);
      for (const letter of letters) {
        expect(letter.headers).toMatchObject({ dlq_reason: 'handler failed', dlq_attempts: '3' });
        expect(letter.headers.dlq_error).toContain('SwallowedStatementError');
      }
    });
  });

  describe('poison messages go to <group>.dlq with their origin, and the partition keeps flowing', () => {
    async function deadLetters(key: string) {
      return (await kcatRead(dlqTopic)).filter((m) => m.key === key);
    }

    it('an undecodable message', async () => {
      const key = randomUUID();
      await kafkaProducer.send({ topic: 'lead.created', messages: [{ key, value: Buffer.from('{"not":"protobuf"}'), headers: {} }] });
      await handledAfter(key);

      const [letter] = await deadLetters(key);
      expect(letter?.headers).toMatchObject({
        dlq_original_topic: 'lead.created',
        dlq_consumer_group: group,
        dlq_reason: 'undecodable: missing-header',
      });
      expect(letter?.headers.dlq_original_partition).toMatch(/^\d+$/);
      expect(letter?.headers.dlq_original_offset).toMatch(/^\d+$/);
    });

    it('a message whose handler always throws, after its retries', async () => {
      const refused = leadCreated(randomUUID(), 'always-fails');
      await kafkaProducer.send({ topic: refused.topic, messages: [{ key: refused.key, value: refused.value, headers: refused.headers }] });
      await handledAfter(refused.key);

      expect(await queryDatabase(consumerDb.url, `SELECT 1 FROM probe_effects WHERE event_id = $1`, [refused.headers.ce_id])).toHaveLength(0);
      const [letter] = await deadLetters(refused.key);
      expect(letter?.headers).toMatchObject({
        ce_id: refused.headers.ce_id,
        dlq_original_topic: 'lead.created',
        dlq_reason: 'handler failed',
        dlq_attempts: '3',
      });
      expect(letter?.headers.dlq_error).toContain(`probe handler refuses lead ${refused.key}`);
      expect(await readMetric(`${consumer.baseUrl}/metrics`, 'messaging_dead_letters_total', { consumer: group })).toBeGreaterThanOrEqual(2);
    });
  });

  it('has exactly one effect when the consumer is SIGKILLed after its commit and before its offset commit', async () => {
    const doomed = lead('Crash');
    await consumer.process.stop();
    consumer = await startConsumer({ PROBE_CRASH_AFTER_COMMIT_LEAD: doomed.leadId });
    await submitLeads(producer, [doomed]);
    expect(await consumer.process.exited).toBe('SIGKILL');
    expect(await effectsOf(doomed.leadId)).toHaveLength(1);

    consumer = await startConsumer();
    await expectEventually(
      async () =>
        expect(await readMetric(`${consumer.baseUrl}/metrics`, 'messaging_events_total', { consumer: group, outcome: 'duplicate' })).toBe(1),
      { description: 'the redelivered event skipped by the inbox' },
    );
    expect(await effectsOf(doomed.leadId)).toHaveLength(1);
  });

  it("continues the producing request's trace in the consumer's span", async () => {
    const traceId = randomUUID().replaceAll('-', '');
    const traced = lead('Traced');
    await submitLeads(producer, [traced], { headers: { traceparent: `00-${traceId}-${'1'.repeat(16)}-01` } });

    const spans = await expectEventually(
      () => {
        const inTrace = otlp.spans().filter((span) => span.traceId === traceId);
        expect(inTrace.map((span) => `${span.serviceName}: ${span.name}`)).toEqual(
          expect.arrayContaining(['probe-producer: send lead.created', 'probe-consumer: process lead.created']),
        );
        return inTrace;
      },
      { description: 'spans of both services in the request trace' },
    );
    const request = spans.find((span) => span.serviceName === 'probe-producer' && span.kind === 2 /* SERVER */);
    const send = spans.find((span) => span.name === 'send lead.created')!;
    const processSpan = spans.find((span) => span.name === 'process lead.created')!;
    expect(request?.parentSpanId).toBe('1'.repeat(16));
    expect(send.parentSpanId).toBe(request?.spanId);
    expect(send.kind).toBe(4 /* PRODUCER */);
    expect(processSpan.parentSpanId).toBe(send.spanId);
    expect(processSpan.kind).toBe(5 /* CONSUMER */);
    expect(processSpan.attributes).toMatchObject({ 'messaging.system': 'kafka', 'messaging.consumer.group.name': group });
  });
});
