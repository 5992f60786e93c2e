/**
 * The messaging benchmark (`make bench`): how fast events cross the backbone of libs/messaging
 * (transactional outbox → relay → Kafka → transport with inbox dedupe), next to raw kafkajs on the
 * same broker, and how long one event takes from commit to handled at a steady rate.
 *
 *   npm run build && node --enable-source-maps dist/bench/messaging.bench.js
 *
 * Env: BENCH_EVENTS (100000), BENCH_RATE (200 events/s), BENCH_SECONDS (30), BENCH_TX_EVENTS
 * (500 events per outbox transaction and per raw sendBatch), BENCH_WARMUP (min(5000, events/20)),
 * BENCH_CONCURRENCY (partitionsConsumedConcurrently; default: the library's), BENCH_STALL_SECONDS (120).
 *
 * It starts its own broker (`deploy/local/kafka.mjs --name bench`, ports 29092/29093, fresh) and
 * database (`bench_messaging`, dropped and recreated), and stops the broker at the end, also on
 * failure. Figures are printed; nothing is asserted (benchmarks are not tests). See docs/benchmarks.md.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Topics, type LeadCreated } from '@leads/contracts';
import { EventContext, Messaging, Outbox, createKafka, type KafkaTransport, type MessagingSettings } from '@leads/messaging';
import { createLogger } from '@leads/observability';
import { createDataSource, runMigrations } from '@leads/persistence';
import { Partitioners, type EachBatchPayload, type Kafka, type Message } from 'kafkajs';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { BENCH_DATABASE, startInfrastructure, stopInfrastructure, type BenchInfrastructure } from './infrastructure';
import { BENCH_SOURCE, encodedLeadCreated, eventSize, outgoingLeadCreated } from './lead-events';
import { Progress, watchCounter } from './progress';
import {
  cpuSnapshot,
  cpuUsage,
  dbDelta,
  dbSnapshot,
  loadAverage,
  machineDescription,
  percentile,
  type CpuUsage,
  type DbSnapshot,
} from './resources';

// kafkajs 2.2.4 on Node 24 emits TimeoutNegativeWarning (known, harmless): drop only that one.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  if (type === 'TimeoutNegativeWarning' || (warning as Error)?.name === 'TimeoutNegativeWarning') return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

const EVENTS = intFromEnv('BENCH_EVENTS', 100_000);
const RATE = intFromEnv('BENCH_RATE', 200);
const SECONDS = intFromEnv('BENCH_SECONDS', 30);
const TX_EVENTS = intFromEnv('BENCH_TX_EVENTS', 500);
const WARMUP = intFromEnv('BENCH_WARMUP', Math.min(5_000, Math.ceil(EVENTS / 20)));
const CONCURRENCY = process.env.BENCH_CONCURRENCY ? intFromEnv('BENCH_CONCURRENCY', 3) : undefined;
const STALL_MS = intFromEnv('BENCH_STALL_SECONDS', 120) * 1_000;
/** The transport's default (KafkaTransport: `partitionsConsumedConcurrently ?? 3`); the raw consumer and the DB ceiling use the same. */
const LANES = CONCURRENCY ?? 3;
/** Writers of the latency stage: enough that one slow commit does not hold up the schedule. */
const LATENCY_WRITERS = 4;
const DB_CEILING_EVENTS = Math.min(EVENTS, 20_000);
const RAW_TOPIC = 'bench.raw';
const LEAD_CREATED = Topics.leadCreated.name;

const log = (line = '') => process.stdout.write(`${line}\n`);
const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a';
const seconds = (ms: number) => `${fmt(ms / 1000, 2)} s`;
const rate = (events: number, ms: number) => (events * 1000) / ms;

interface StageResult {
  readonly events: number;
  readonly ms: number;
  readonly cpu: CpuUsage;
  readonly db?: DbSnapshot;
}

interface Context {
  readonly infra: BenchInfrastructure;
  readonly dataSource: DataSource;
  readonly logger: pino.Logger;
  readonly settings: MessagingSettings;
}

/** Measures CPU (machine and per party) and database counters around `body`. */
async function measured<T>(ctx: Context, body: () => Promise<T>): Promise<{ value: T; cpu: CpuUsage; db: DbSnapshot }> {
  const db0 = await dbSnapshot(ctx.dataSource);
  const cpu0 = cpuSnapshot(ctx.infra.kafkaPid);
  const value = await body();
  const cpu1 = cpuSnapshot(ctx.infra.kafkaPid);
  const db1 = await dbSnapshot(ctx.dataSource);
  return { value, cpu: cpuUsage(cpu0, cpu1), db: dbDelta(db0, db1) };
}

function describeCpu(cpu: CpuUsage): string {
  return (
    `machine ${fmt(cpu.machineBusy * 100)}% busy over ${fmt(cpu.wallSeconds, 1)} s; CPU s: ` +
    `bench node ${fmt(cpu.node, 1)}, kafka ${fmt(cpu.kafka, 1)}, postgres ${fmt(cpu.postgres, 1)}, other ${fmt(cpu.other, 1)}`
  );
}

function describeDb(db: DbSnapshot, events: number): string {
  return (
    `db: ${fmt(db.commits)} commits (${fmt(db.commits / events, 2)}/event), ` +
    `${fmt(db.walBytes / 2 ** 20, 1)} MiB WAL (${fmt(db.walBytes / events)} B/event), ${fmt(db.walSyncs)} WAL syncs (server-wide, approx.)`
  );
}

/**
 * Empties a topic (records up to the high watermark are deleted), so a new consumer group from the
 * beginning sees only what follows. Right after a topic is created the broker may not yet lead its
 * partitions (NOT_LEADER_OR_FOLLOWER): retried with a deadline.
 */
async function emptyTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const deadline = Date.now() + 30_000;
  try {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const offsets = await admin.fetchTopicOffsets(topic);
        await admin.deleteTopicRecords({ topic, partitions: offsets.map(({ partition }) => ({ partition, offset: '-1' })) });
        return;
      } catch (error) {
        if (!(error as { retriable?: boolean }).retriable || Date.now() > deadline) throw error;
        await delay(Math.min(1_000, 50 * attempt));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** A Postgres checkpoint between stages, so one stage does not pay for the previous stage's dirty pages. */
async function checkpoint(dataSource: DataSource): Promise<void> {
  await dataSource.query('CHECKPOINT');
}

// ------------------------------------------------------------------------------------------ raw kafkajs

interface RawResult extends StageResult {
  readonly produceMs: number;
}

/**
 * Baseline: the same encoded records (value + CloudEvents headers) sent with kafkajs alone —
 * `sendBatch` in chunks, with the producer settings of libs/messaging (idempotent, one request in
 * flight) — and consumed by an eachBatch consumer that only counts, until all are seen.
 */
async function rawKafka(ctx: Context, events: number, label: string): Promise<RawResult> {
  const kafka = createKafka({ brokers: ctx.infra.brokers, clientId: `bench-raw-${label}` }, ctx.logger.child({ component: 'kafkajs' }));
  const admin = kafka.admin();
  await admin.connect();
  if (!(await admin.listTopics()).includes(RAW_TOPIC)) {
    await admin.createTopics({ topics: [{ topic: RAW_TOPIC, numPartitions: Topics.leadCreated.partitions }], waitForLeaders: true });
  }
  await admin.disconnect();
  await emptyTopic(kafka, RAW_TOPIC);

  const records: Message[] = Array.from({ length: events }, (_, index) => {
    const event = encodedLeadCreated(index);
    return { key: event.key, value: event.value, headers: event.headers };
  });
  const consumed = new Progress(`raw consumer (${label})`, STALL_MS);
  const consumer = kafka.consumer({ groupId: `bench-raw-${label}`, allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topics: [RAW_TOPIC], fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: LANES,
    eachBatch: async ({ batch }: EachBatchPayload) => consumed.add(batch.messages.length),
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();

  try {
    const { value, cpu, db } = await measured(ctx, async () => {
      const started = performance.now();
      const allConsumed = consumed.until(events);
      for (let i = 0; i < events; i += TX_EVENTS) {
        await producer.sendBatch({ topicMessages: [{ topic: RAW_TOPIC, messages: records.slice(i, i + TX_EVENTS) }] });
      }
      const produced = performance.now();
      const done = await allConsumed;
      return { produceMs: produced - started, ms: done - started };
    });
    return { events, ...value, cpu, db };
  } finally {
    await producer.disconnect();
    await consumer.disconnect();
  }
}

// ------------------------------------------------------------------------------------------ backbone

interface Handled {
  readonly progress: Progress;
  /** Per event id: handled (the handler's transaction committed) at, in ms since the epoch. */
  readonly handledAt: Map<string, number>;
  /** Per event id: `ce_time` in ms since the epoch. */
  readonly eventTime: Map<string, number>;
}

/**
 * One Messaging instance (producer, relay) and the transports opened on it; `close()` stops them
 * all, also when a stage fails, so a failed run does not leave a relay polling a closed pool.
 */
class Backbone {
  readonly messaging: Messaging;
  private readonly transports: KafkaTransport[] = [];

  constructor(private readonly ctx: Context) {
    this.messaging = new Messaging(ctx.settings, ctx.dataSource, ctx.logger);
  }

  /**
   * The bench's consumer: the transport (decode, inbox insert, handler, commit, per message) with a
   * handler that inserts one row through the event's transaction, as a real consumer's effect would.
   */
  async consumer(groupId: string, keepTimes: boolean): Promise<Handled> {
    const handled: Handled = { progress: new Progress(`consumer ${groupId}`, STALL_MS), handledAt: new Map(), eventTime: new Map() };
    const transport = this.messaging.createTransport({ groupId });
    this.transports.push(transport);
    transport.addHandler(
      LEAD_CREATED,
      async (data: LeadCreated, context?: EventContext) => {
        const event = context!;
        await event.manager.query(`INSERT INTO bench_effects (event_id, lead_id) VALUES ($1, $2)`, [event.eventId, data.leadId]);
        event.afterCommit(() => {
          if (keepTimes) {
            handled.handledAt.set(event.eventId, Date.now());
            handled.eventTime.set(event.eventId, Date.parse(event.event.attributes.time));
          }
          handled.progress.add();
        });
      },
      true,
    );
    await new Promise<void>((resolve, reject) => transport.listen((error) => (error ? reject(error) : resolve())));
    return handled;
  }

  async close(): Promise<void> {
    for (const transport of this.transports.splice(0)) {
      await transport.close().catch((error) => this.ctx.logger.warn({ err: error }, 'could not close a bench transport'));
    }
    await this.messaging.stop();
  }
}

async function withBackbone<T>(ctx: Context, body: (backbone: Backbone) => Promise<T>): Promise<T> {
  const backbone = new Backbone(ctx);
  try {
    return await body(backbone);
  } finally {
    await backbone.close();
  }
}

async function writeOutbox(dataSource: DataSource, outbox: Outbox, events: number, written?: Progress): Promise<void> {
  for (let i = 0; i < events; i += TX_EVENTS) {
    const batch = Array.from({ length: Math.min(TX_EVENTS, events - i) }, (_, j) => outgoingLeadCreated(i + j));
    await dataSource.transaction((manager) => outbox.publishAll(manager, batch));
    written?.add(batch.length);
  }
}

interface Sample {
  readonly t: number;
  readonly written: number;
  readonly published: number;
  readonly handled: number;
}

interface EndToEndResult extends StageResult {
  readonly writtenMs: number;
  readonly publishedMs: number;
  readonly samples: Sample[];
}

/** Everything at once, as in production: one writer, the relay and the consumer run concurrently. */
function backboneEndToEnd(ctx: Context, events: number, label: string): Promise<EndToEndResult> {
  return withBackbone(ctx, async (backbone) => {
    const { messaging } = backbone;
    await messaging.start();
    await emptyTopic(messaging.kafka, LEAD_CREATED);
    const handled = await backbone.consumer(`bench-e2e-${label}`, false);
    const published = await watchCounter(messaging.metrics.published, `relay (${label})`, STALL_MS);
    const written = new Progress(`outbox writer (${label})`, STALL_MS);
    const samples: Sample[] = [];
    try {
      const { value, cpu, db } = await measured(ctx, async () => {
        const started = performance.now();
        const sample = () =>
          samples.push({ t: performance.now() - started, written: written.value, published: published.progress.value, handled: handled.progress.value });
        const sampler = setInterval(sample, 1_000);
        try {
          const allPublished = published.progress.until(events);
          const allHandled = handled.progress.until(events);
          await writeOutbox(ctx.dataSource, messaging.outbox, events, written);
          const writtenAt = performance.now();
          const publishedAt = await allPublished;
          const handledAt = await allHandled;
          sample();
          return { writtenMs: writtenAt - started, publishedMs: publishedAt - started, ms: handledAt - started };
        } finally {
          clearInterval(sampler);
        }
      });
      return { events, ...value, cpu, db, samples };
    } finally {
      published.stop();
    }
  });
}

interface StagesResult {
  readonly insert: StageResult;
  readonly relay: StageResult;
  readonly consume: StageResult;
  readonly dbCeiling: StageResult;
}

/**
 * The same path one stage at a time, each with the machine to itself: outbox inserts with no relay
 * running; then the relay draining that backlog with no consumer; then the consumer handling the
 * topic's backlog; then the consumer's database work alone (no Kafka), its ceiling.
 */
async function backboneStages(ctx: Context, events: number): Promise<StagesResult> {
  await checkpoint(ctx.dataSource);
  const outbox = new Outbox(BENCH_SOURCE);
  const insert = await measured(ctx, async () => {
    const started = performance.now();
    await writeOutbox(ctx.dataSource, outbox, events);
    return performance.now() - started;
  });
  log(`  outbox insert : ${fmt(rate(events, insert.value))} events/s (${fmt(events)} events, ${fmt(TX_EVENTS)} per transaction, ${seconds(insert.value)})`);
  log(`                  ${describeCpu(insert.cpu)}`);
  log(`                  ${describeDb(insert.db, events)}`);

  const { relay, consume } = await withBackbone(ctx, async (backbone) => {
    const { messaging } = backbone;
    await checkpoint(ctx.dataSource);
    await emptyTopic(messaging.kafka, LEAD_CREATED);
    const published = await watchCounter(messaging.metrics.published, 'relay (stage)', STALL_MS);
    const relay = await measured(ctx, async () => {
      await messaging.start(); // the relay's loop starts inside start(), after the producer has connected
      const started = performance.now();
      return (await published.progress.until(events)) - started;
    }).finally(() => published.stop());
    log(`  relay publish : ${fmt(rate(events, relay.value))} events/s (backlog of ${fmt(events)} drained in ${seconds(relay.value)}, batches of ${ctx.settings.relay?.batchSize ?? 500})`);
    log(`                  ${describeCpu(relay.cpu)}`);
    log(`                  ${describeDb(relay.db, events)}`);

    await checkpoint(ctx.dataSource);
    const handled = await backbone.consumer('bench-stage-consume', false);
    const consume = await measured(ctx, async () => {
      const started = performance.now(); // the group has joined: listen() resolves after consumer.run()
      return (await handled.progress.until(events)) - started;
    });
    return { relay, consume };
  });
  log(`  consume+inbox : ${fmt(rate(events, consume.value))} events/s (backlog of ${fmt(events)} handled in ${seconds(consume.value)}, ${LANES} partitions at a time)`);
  log(`                  ${describeCpu(consume.cpu)}`);
  log(`                  ${describeDb(consume.db, events)}`);

  await checkpoint(ctx.dataSource);
  const dbEvents = DB_CEILING_EVENTS;
  const ceiling = await measured(ctx, async () => {
    let next = 0;
    const started = performance.now();
    const lane = async () => {
      while (next < dbEvents) {
        next += 1;
        const eventId = randomUUID();
        await ctx.dataSource.transaction(async (manager) => {
          await manager.query(
            `INSERT INTO messaging_inbox (consumer, event_id, topic) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING event_id`,
            ['bench-db-ceiling', eventId, LEAD_CREATED],
          );
          await manager.query(`INSERT INTO bench_effects (event_id, lead_id) VALUES ($1, $2)`, [eventId, eventId]);
        });
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    return performance.now() - started;
  });
  log(`  db ceiling    : ${fmt(rate(dbEvents, ceiling.value))} transactions/s (${fmt(dbEvents)} × [BEGIN, inbox insert, effect insert, COMMIT] on ${LANES} connections, no Kafka, ${seconds(ceiling.value)})`);
  log(`                  ${describeCpu(ceiling.cpu)}`);
  log(`                  ${describeDb(ceiling.db, dbEvents)}`);

  return {
    insert: { events, ms: insert.value, cpu: insert.cpu, db: insert.db },
    relay: { events, ms: relay.value, cpu: relay.cpu, db: relay.db },
    consume: { events, ms: consume.value, cpu: consume.cpu, db: consume.db },
    dbCeiling: { events: dbEvents, ms: ceiling.value, cpu: ceiling.cpu, db: ceiling.db },
  };
}

// ------------------------------------------------------------------------------------------ latency

interface LatencyResult extends StageResult {
  readonly targetRate: number;
  readonly achievedRate: number;
  /** handled − ce_time, ms. */
  readonly fromEventTime: number[];
  /** handled − the writer saw its commit return, ms. */
  readonly fromCommit: number[];
  readonly cpu: CpuUsage;
}

/**
 * Steady load: `targetRate` events/s for `durationS`, one event per transaction (as a request
 * handler would write them), relay and consumer running; per event, handled time minus `ce_time`.
 */
async function steadyLatency(ctx: Context, targetRate: number, durationS: number): Promise<LatencyResult> {
  const events = targetRate * durationS;
  return withBackbone(ctx, async (backbone) => {
    const { messaging } = backbone;
    await messaging.start();
    await emptyTopic(messaging.kafka, LEAD_CREATED);
    await checkpoint(ctx.dataSource);
    const handled = await backbone.consumer('bench-latency', true);
    const committedAt = new Map<string, number>();
    const { value, cpu, db } = await measured(ctx, async () => {
      const allHandled = handled.progress.until(events);
      const started = performance.now();
      let next = 0;
      let lastCommit = started;
      const writer = async () => {
        while (next < events) {
          const index = next;
          next += 1;
          const due = started + (index * 1000) / targetRate;
          const wait = due - performance.now();
          if (wait > 0) await delay(wait);
          const [eventId] = await ctx.dataSource.transaction((manager) => messaging.outbox.publishAll(manager, [outgoingLeadCreated(index)]));
          committedAt.set(eventId, Date.now());
          lastCommit = performance.now();
        }
      };
      await Promise.all(Array.from({ length: LATENCY_WRITERS }, writer));
      const done = await allHandled;
      return { writeMs: lastCommit - started, ms: done - started };
    });
    const fromEventTime: number[] = [];
    const fromCommit: number[] = [];
    for (const [eventId, at] of handled.handledAt) {
      fromEventTime.push(at - handled.eventTime.get(eventId)!);
      const commit = committedAt.get(eventId);
      if (commit !== undefined) fromCommit.push(at - commit);
    }
    fromEventTime.sort((a, b) => a - b);
    fromCommit.sort((a, b) => a - b);
    return {
      events,
      ms: value.ms,
      cpu,
      db,
      targetRate,
      achievedRate: rate(events, value.writeMs),
      fromEventTime,
      fromCommit,
    };
  });
}

// ------------------------------------------------------------------------------------------ main

function printTimeline(samples: Sample[]): void {
  if (samples.length === 0) return;
  const every = Math.max(1, Math.ceil(samples.length / 12));
  log('  timeline (cumulative events):      t   written  published    handled');
  samples.forEach((s, index) => {
    if (index % every !== 0 && index !== samples.length - 1) return;
    log(`  ${' '.repeat(30)}${seconds(s.t).padStart(9)} ${fmt(s.written).padStart(9)} ${fmt(s.published).padStart(10)} ${fmt(s.handled).padStart(10)}`);
  });
}

async function run(ctx: Context): Promise<void> {
  const size = eventSize();
  log(`events: lead.created, value ${size.value} B (Protobuf) + ${size.headers} B of headers (CloudEvents binary mode), key = lead id (UUID)`);
  log('');

  if (WARMUP > 0) {
    log(`warm-up (${fmt(WARMUP)} events through each path, not reported) ...`);
    await rawKafka(ctx, WARMUP, 'warmup');
    await backboneEndToEnd(ctx, WARMUP, 'warmup');
    log('');
  }

  await checkpoint(ctx.dataSource);
  log(`[1] raw kafkajs baseline: ${fmt(EVENTS)} records, sendBatch × ${TX_EVENTS}, eachBatch consumer (counting only) ...`);
  const raw = await rawKafka(ctx, EVENTS, 'run');
  log(`  ${fmt(rate(EVENTS, raw.ms))} msg/s first send → last consumed (${seconds(raw.ms)}); producing alone took ${seconds(raw.produceMs)} (${fmt(rate(EVENTS, raw.produceMs))} msg/s)`);
  log(`  ${describeCpu(raw.cpu)}`);
  log('');

  await checkpoint(ctx.dataSource);
  log(`[2] backbone end to end: ${fmt(EVENTS)} events, outbox transactions of ${TX_EVENTS}, relay + transport (inbox + 1 insert per event) running concurrently ...`);
  const e2e = await backboneEndToEnd(ctx, EVENTS, 'run');
  const e2eRate = rate(EVENTS, e2e.ms);
  const rawRate = rate(EVENTS, raw.ms);
  log(`  ${fmt(e2eRate)} events/s first outbox write → last handled (${seconds(e2e.ms)}); ratio to raw kafkajs: ${fmt(e2eRate / rawRate, 3)} (goal ≥ 0.5)`);
  log(`  writer done at ${seconds(e2e.writtenMs)}, relay done at ${seconds(e2e.publishedMs)}, consumer done at ${seconds(e2e.ms)}`);
  log(`  ${describeCpu(e2e.cpu)}`);
  log(`  ${describeDb(e2e.db!, EVENTS)}`);
  printTimeline(e2e.samples);
  log('');

  log(`[2b] backbone stage by stage, ${fmt(EVENTS)} events, each stage alone ...`);
  const stages = await backboneStages(ctx, EVENTS);
  log('');

  log(`[3] latency at a steady ${fmt(RATE)} events/s for ${SECONDS} s, one event per transaction, ${LATENCY_WRITERS} writers ...`);
  const latency = await steadyLatency(ctx, RATE, SECONDS);
  const p = (values: number[], q: number) => `${fmt(percentile(values, q))} ms`;
  log(`  achieved ${fmt(latency.achievedRate, 1)} events/s written (target ${fmt(RATE)}); ${fmt(latency.fromEventTime.length)} handled`);
  log(`  handled − ce_time : p50 ${p(latency.fromEventTime, 50)}, p95 ${p(latency.fromEventTime, 95)}, p99 ${p(latency.fromEventTime, 99)}, max ${p(latency.fromEventTime, 100)}`);
  log(`  handled − commit  : p50 ${p(latency.fromCommit, 50)}, p95 ${p(latency.fromCommit, 95)}, p99 ${p(latency.fromCommit, 99)}, max ${p(latency.fromCommit, 100)}`);
  log(`  ${describeCpu(latency.cpu)}`);
  log('');

  const stageRate = (s: StageResult) => fmt(rate(s.events, s.ms));
  log('summary (markdown):');
  log('');
  log('| figure | value |');
  log('| --- | --- |');
  log(`| raw kafkajs, first send → last consumed | ${fmt(rawRate)} msg/s |`);
  log(`| backbone end to end, first outbox write → last handled | ${fmt(e2eRate)} events/s |`);
  log(`| ratio backbone / raw (goal ≥ 0.5) | ${fmt(e2eRate / rawRate, 3)} |`);
  log(`| stage alone: outbox insert (${TX_EVENTS} per transaction) | ${stageRate(stages.insert)} events/s |`);
  log(`| stage alone: relay publish | ${stageRate(stages.relay)} events/s |`);
  log(`| stage alone: consume + inbox + handler | ${stageRate(stages.consume)} events/s |`);
  log(`| db ceiling: per-event transaction, ${LANES} connections, no Kafka | ${stageRate(stages.dbCeiling)} tx/s |`);
  log(`| steady load: achieved write rate (target ${RATE}/s, ${SECONDS} s) | ${fmt(latency.achievedRate, 1)} events/s |`);
  log(`| latency handled − ce_time p50 / p95 / p99 | ${p(latency.fromEventTime, 50)} / ${p(latency.fromEventTime, 95)} / ${p(latency.fromEventTime, 99)} |`);
  log(`| latency handled − commit p50 / p95 / p99 | ${p(latency.fromCommit, 50)} / ${p(latency.fromCommit, 95)} / ${p(latency.fromCommit, 99)} |`);
}

async function main(): Promise<number> {
  const startedAt = new Date();
  log(`messaging benchmark — ${startedAt.toISOString()}`);
  log(`machine: ${machineDescription()}; load average at start: ${loadAverage()}`);
  log(
    `config: BENCH_EVENTS=${EVENTS} BENCH_RATE=${RATE} BENCH_SECONDS=${SECONDS} BENCH_TX_EVENTS=${TX_EVENTS} ` +
      `BENCH_WARMUP=${WARMUP} BENCH_CONCURRENCY=${CONCURRENCY ?? `(library default: ${LANES})`}`,
  );
  log(`command: node ${process.execArgv.join(' ')} ${process.argv.slice(1).join(' ')}`.replace(/\s+/g, ' '));
  log('');

  let infra: BenchInfrastructure | undefined;
  let dataSource: DataSource | undefined;
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    if (dataSource?.isInitialized) await dataSource.destroy().catch(() => undefined);
    if (infra) await stopInfrastructure().catch((error) => process.stderr.write(`could not stop the bench broker: ${error}\n`));
  };
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`benchmark failed (unhandled rejection): ${(reason as Error)?.stack ?? reason}\n`);
    void shutdown().finally(() => process.exit(1));
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping the bench broker\n`);
      void shutdown().finally(() => process.exit(130));
    });
  }

  try {
    infra = await startInfrastructure();
    const applicationName = 'bench';
    await runMigrations(createDataSource({ url: infra.databaseUrl, applicationName }));
    dataSource = await createDataSource({ url: infra.databaseUrl, applicationName }).initialize();
    await dataSource.query(`CREATE TABLE IF NOT EXISTS bench_effects (event_id text PRIMARY KEY, lead_id text NOT NULL)`);
    const logger = createLogger({ name: 'bench', level: 'warn', destination: pino.destination(2) });
    const settings: MessagingSettings = {
      serviceName: 'bench',
      brokers: infra.brokers,
      databaseUrl: infra.databaseUrl,
      ...(CONCURRENCY !== undefined && { consumer: { partitionsConsumedConcurrently: CONCURRENCY } }),
    };
    log(`infrastructure: Kafka ${infra.brokers.join(',')} (pid ${infra.kafkaPid ?? '?'}), PostgreSQL database ${BENCH_DATABASE}`);
    await run({ infra, dataSource, logger, settings });
    log('');
    log(`finished in ${fmt((Date.now() - startedAt.getTime()) / 1000, 0)} s; load average at end: ${loadAverage()}`);
    return 0;
  } catch (error) {
    process.stderr.write(`benchmark failed: ${(error as Error)?.stack ?? error}\n`);
    return 1;
  } finally {
    await shutdown();
  }
}

void main().then((code) => process.exit(code));
