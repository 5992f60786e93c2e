/**
 * The messaging benchmark (`make bench`): how fast events cross the backbone of libs/messaging
 * (transactional outbox → relay → Kafka → transport with inbox dedupe), next to raw kafkajs on the
 * same broker, and how long one event takes from commit to handled at a steady rate.
 *
 *   npm run build && node --enable-source-maps dist/bench/messaging.bench.js
 *
 * Env: BENCH_EVENTS (100000), BENCH_RATE (200 events/s), BENCH_SECONDS (30), BENCH_TX_EVENTS
 * (500 events per outbox transaction and per raw sendBatch), BENCH_WARMUP (min(5000, events/20)),
 * BENCH_STAGE_EVENTS (events of the stage-by-stage breakdown: min(events, 20000)),
 * BENCH_CONCURRENCY (partitionsConsumedConcurrently; default: the library's), BENCH_POOL_SIZE (DataSource
 * pool; default: the library's), BENCH_STALL_SECONDS (120),
 * BENCH_ONLY (comma-separated parts among raw, e2e, stages, latency; default: all).
 *
 * It starts its own broker (`deploy/local/kafka.mjs --name bench`, ports 29092/29093, fresh) and
 * database (`bench_messaging`, dropped and recreated), and stops the broker at the end, also on
 * failure. Figures are printed; nothing is asserted (benchmarks are not tests). See docs/benchmarks.md.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Topics } from '@leads/contracts';
import { Messaging, Outbox, createKafka, type MessagingSettings } from '@leads/messaging';
import { createLogger } from '@leads/observability';
import { createDataSource, runMigrations } from '@leads/persistence';
import { Partitioners, type EachBatchPayload, type Kafka, type Message } from 'kafkajs';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { ConsumerThread, startCountingConsumer, type ConsumerActivity, type ConsumerThreadOptions } from './consumer-thread';
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
const PARTS = ['raw', 'e2e', 'stages', 'latency'] as const;
/** BENCH_ONLY=raw,latency runs only those parts (default: all). */
const ONLY = new Set<string>(process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map((part) => part.trim()) : PARTS);
for (const part of ONLY) {
  if (!(PARTS as readonly string[]).includes(part)) throw new Error(`BENCH_ONLY: unknown part ${JSON.stringify(part)} (known: ${PARTS.join(', ')})`);
}
/**
 * The transport's default (KafkaTransport: `partitionsConsumedConcurrently` = the partition count of
 * the group's largest topic, 12 for lead.created); the raw consumer and the DB ceilings use the same.
 */
const LANES = CONCURRENCY ?? Topics.leadCreated.partitions;
/** The transport's default bound of a batch transaction (KafkaTransport: `transaction.maxMessages`). */
const BATCH_TX_MESSAGES = 64;
/** Writers of the latency stage: enough that one slow commit does not hold up the schedule. */
const LATENCY_WRITERS = 4;
/** The stage-by-stage breakdown measures rates, which settle well before 100k events: fewer keep the run short. */
const STAGE_EVENTS = intFromEnv('BENCH_STAGE_EVENTS', Math.min(EVENTS, 20_000));
const DB_CEILING_EVENTS = Math.min(STAGE_EVENTS, 5_000);
/** The DataSource pool (default: the persistence lib's, 10). */
const POOL_SIZE = process.env.BENCH_POOL_SIZE ? intFromEnv('BENCH_POOL_SIZE', 10) : undefined;
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
  const cpu0 = await cpuSnapshot(ctx.infra.kafkaPid, ctx.dataSource);
  const value = await body();
  const cpu1 = await cpuSnapshot(ctx.infra.kafkaPid, ctx.dataSource);
  const db1 = await dbSnapshot(ctx.dataSource);
  return { value, cpu: cpuUsage(cpu0, cpu1), db: dbDelta(db0, db1) };
}

function describeCpu(cpu: CpuUsage, events: number): string {
  const perEvent = cpuPerEvent(cpu, events);
  return (
    `machine ${fmt(cpu.machineBusy * 100)}% busy over ${fmt(cpu.wallSeconds, 1)} s; CPU s: ` +
    `bench node ${fmt(cpu.node, 1)} (main event loop ${fmt(cpu.eventLoop * 100)}% busy), kafka ${fmt(cpu.kafka, 1)}, postgres ${fmt(cpu.postgres, 1)}, ` +
    `other processes ${fmt(cpu.other, 1)}; per event ${fmt(perEvent.total)} µs of CPU (node ${fmt(perEvent.node)}, ` +
    `kafka ${fmt(perEvent.kafka)}, postgres ${fmt(perEvent.postgres)})`
  );
}

/** CPU time the bench's own parties spent per event, in µs: far less sensitive than wall-clock rates to what else the machine runs. */
function cpuPerEvent(cpu: CpuUsage, events: number): { total: number; node: number; kafka: number; postgres: number } {
  const us = (secondsOfCpu: number) => (secondsOfCpu * 1e6) / events;
  return { total: us(cpu.node + cpu.kafka + cpu.postgres), node: us(cpu.node), kafka: us(cpu.kafka), postgres: us(cpu.postgres) };
}

const describeCpuPerEvent = (cpu: CpuUsage, events: number) => {
  const perEvent = cpuPerEvent(cpu, events);
  return `${fmt(perEvent.total)} µs (node ${fmt(perEvent.node)} + kafka ${fmt(perEvent.kafka)} + postgres ${fmt(perEvent.postgres)})`;
};

function describeDb(db: DbSnapshot, events: number): string {
  return (
    `db: approx. ${fmt(db.commits)} commits (${fmt(db.commits / events, 2)}/event); server-wide: ` +
    `${fmt(db.walBytes / 2 ** 20, 1)} MiB WAL (${fmt(db.walBytes / events)} B/event), approx. ${fmt(db.walSyncs)} WAL flushes`
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

/** What every consumer thread of the run shares: the broker, the database and its pool size. */
function consumerThreadOptions(ctx: Context): Pick<ConsumerThreadOptions, 'brokers' | 'databaseUrl' | 'poolSize'> {
  return { brokers: ctx.infra.brokers, databaseUrl: ctx.infra.databaseUrl, poolSize: POOL_SIZE };
}

// ------------------------------------------------------------------------------------------ raw kafkajs

interface RawResult extends StageResult {
  readonly produceMs: number;
}

/** Where the raw baseline's consumer runs: on the producer's thread, or on a thread of its own. */
type RawLayout = 'one thread' | 'two threads';
const RAW_LAYOUTS: readonly RawLayout[] = ['one thread', 'two threads'];

/** The raw consumer on the bench's main thread. */
async function rawConsumerHere(kafka: Kafka, groupId: string): Promise<Pick<ConsumerThread, 'progress' | 'stop'>> {
  const progress = new Progress(`raw consumer ${groupId}`, STALL_MS);
  const stop = await startCountingConsumer(kafka, { groupId, topic: RAW_TOPIC, concurrency: LANES }, (messages) => progress.add(messages));
  return { progress, stop };
}

/**
 * Baseline: the same encoded records (value + CloudEvents headers) sent with kafkajs alone —
 * `sendBatch` in chunks, with the producer settings of libs/messaging (idempotent, one request in
 * flight) — and consumed by an eachBatch consumer that only counts, until all are seen. The
 * consumer runs on the producer's thread or on one of its own (`layout`); the run reports both
 * and takes the faster as the baseline.
 */
async function rawKafka(ctx: Context, events: number, label: string, layout: RawLayout): Promise<RawResult> {
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
  const groupId = `bench-raw-${label}-${layout.replace(' ', '-')}`;
  const consumer =
    layout === 'one thread'
      ? await rawConsumerHere(kafka, groupId)
      : await ConsumerThread.start(
          { ...consumerThreadOptions(ctx), kind: 'raw', concurrency: LANES, groupId, topic: RAW_TOPIC, keepTimes: false },
          STALL_MS,
        );
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
      const allConsumed = consumer.progress.until(events);
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
    await consumer.stop();
  }
}

// ------------------------------------------------------------------------------------------ backbone

function describeConsumer(activity: ConsumerActivity): string {
  const perBatch = activity.batches > 0 ? activity.messages / activity.batches : Number.NaN;
  const batchMs = activity.batches > 0 ? activity.batchMs / activity.batches : Number.NaN;
  return (
    `kafkajs consumer: ${fmt(activity.fetches)} fetches, ${fmt(activity.batches)} partition batches of ${fmt(perBatch, 1)} messages ` +
    `(${fmt(batchMs, 1)} ms each on average), ${fmt(activity.offsetCommits)} offset commits`
  );
}

/**
 * One Messaging instance (producer, relay) and the consumer threads opened next to it; `close()`
 * stops them all, also when a stage fails, so a failed run does not leave a relay polling a closed pool.
 */
class Backbone {
  readonly messaging: Messaging;
  private readonly consumers: ConsumerThread[] = [];

  constructor(private readonly ctx: Context) {
    this.messaging = new Messaging(ctx.settings, ctx.dataSource, ctx.logger);
  }

  /**
   * The bench's consumer, on a thread of its own as in a consuming service's process: the
   * transport with a handler that inserts one row through the event's transaction
   * (bench/consumer.worker.ts). Resolves once it has joined its group.
   */
  async consumer(groupId: string, keepTimes: boolean): Promise<ConsumerThread> {
    const thread = await ConsumerThread.start(
      { ...consumerThreadOptions(this.ctx), kind: 'backbone', concurrency: CONCURRENCY, groupId, topic: LEAD_CREATED, keepTimes },
      STALL_MS,
    );
    this.consumers.push(thread);
    return thread;
  }

  async close(): Promise<void> {
    for (const consumer of this.consumers.splice(0)) {
      await consumer.stop().catch((error) => this.ctx.logger.warn({ err: error }, 'could not stop a bench consumer thread'));
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
  /** Cumulative event-loop utilisation of the main thread (writer and relay) at that moment. */
  readonly eventLoop: ReturnType<typeof performance.eventLoopUtilization>;
  /** The same for the consumer's thread. */
  readonly consumerLoop: ReturnType<typeof performance.eventLoopUtilization>;
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
          samples.push({
            t: performance.now() - started,
            written: written.value,
            published: published.progress.value,
            handled: handled.progress.value,
            eventLoop: performance.eventLoopUtilization(),
            consumerLoop: handled.eventLoop(),
          });
        sample();
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
  readonly dbCeilingBatch: StageResult;
  readonly dbCeilingNoSavepoints: StageResult;
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
  log(`                  ${describeCpu(insert.cpu, events)}`);
  log(`                  ${describeDb(insert.db, events)}`);

  const { relay, consume, kafkajs } = await withBackbone(ctx, async (backbone) => {
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
    log(`                  ${describeCpu(relay.cpu, events)}`);
    log(`                  ${describeDb(relay.db, events)}`);

    await checkpoint(ctx.dataSource);
    const handled = await backbone.consumer('bench-stage-consume', false);
    const consume = await measured(ctx, async () => {
      const started = performance.now(); // the group has joined: listen() resolves after consumer.run()
      return (await handled.progress.until(events)) - started;
    });
    await handled.stop();
    return { relay, consume, kafkajs: { ...handled.kafkajs } };
  });
  log(`  consume+inbox : ${fmt(rate(events, consume.value))} events/s (backlog of ${fmt(events)} handled in ${seconds(consume.value)}, ${LANES} partitions at a time)`);
  log(`                  ${describeConsumer(kafkajs)}`);
  log(`                  ${describeCpu(consume.cpu, events)}`);
  log(`                  ${describeDb(consume.db, events)}`);

  await checkpoint(ctx.dataSource);
  const dbCeiling = await databaseCeiling(ctx, DB_CEILING_EVENTS, 1);
  const dbCeilingBatch = await databaseCeiling(ctx, STAGE_EVENTS, BATCH_TX_MESSAGES);
  const dbCeilingNoSavepoints = await databaseCeiling(ctx, STAGE_EVENTS, BATCH_TX_MESSAGES, false);

  return {
    insert: { events, ms: insert.value, cpu: insert.cpu, db: insert.db },
    relay: { events, ms: relay.value, cpu: relay.cpu, db: relay.db },
    consume: { events, ms: consume.value, cpu: consume.cpu, db: consume.db },
    dbCeiling,
    dbCeilingBatch,
    dbCeilingNoSavepoints,
  };
}

/**
 * The consumer's database work alone, no Kafka, on as many connections as the transport handles
 * partitions at a time. With `perTransaction` 1, one transaction per event [BEGIN, inbox insert,
 * effect insert, COMMIT]: the design before batch transactions. Otherwise per transaction of
 * `perTransaction` events [BEGIN, one multi-row inbox insert, per event a savepoint and the effect
 * insert, COMMIT]: the transport's design until it dropped the savepoints, and still how it repeats
 * a batch in which a handler swallowed a failed statement. With `savepoints` false, the same
 * without the savepoints: the transport's design now (plus one check statement per transaction).
 */
async function databaseCeiling(ctx: Context, events: number, perTransaction: number, savepoints = true): Promise<StageResult> {
  await checkpoint(ctx.dataSource);
  const consumer = `bench-db-ceiling-${perTransaction}-${savepoints}`;
  const ceiling = await measured(ctx, async () => {
    let next = 0;
    const started = performance.now();
    const lane = async () => {
      while (next < events) {
        const ids = Array.from({ length: Math.min(perTransaction, events - next) }, () => randomUUID());
        next += ids.length;
        await ctx.dataSource.transaction(async (manager) => {
          if (perTransaction === 1) {
            await manager.query(
              `INSERT INTO messaging_inbox (consumer, event_id, topic) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING event_id`,
              [consumer, ids[0], LEAD_CREATED],
            );
            await manager.query(`INSERT INTO bench_effects (event_id, lead_id) VALUES ($1, $2)`, [ids[0], ids[0]]);
            return;
          }
          await manager.query(
            `INSERT INTO messaging_inbox (consumer, event_id, topic) SELECT $1, event_id, $3 FROM unnest($2::text[]) AS event_id
             ON CONFLICT DO NOTHING RETURNING event_id`,
            [consumer, ids, LEAD_CREATED],
          );
          for (const [index, id] of ids.entries()) {
            if (savepoints) await manager.query(index === 0 ? 'SAVEPOINT m' : 'RELEASE SAVEPOINT m; SAVEPOINT m');
            await manager.query(`INSERT INTO bench_effects (event_id, lead_id) VALUES ($1, $2)`, [id, id]);
          }
          if (savepoints) await manager.query('RELEASE SAVEPOINT m');
        });
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    return performance.now() - started;
  });
  const shape =
    perTransaction === 1
      ? 'per event [BEGIN, inbox insert, effect insert, COMMIT]'
      : `per ${perTransaction} events [BEGIN, multi-row inbox insert, ${perTransaction} × (${savepoints ? 'savepoint, ' : ''}effect insert), COMMIT]`;
  log(
    `  db ceiling ×${`${perTransaction}${savepoints ? '' : '*'}`.padEnd(3)}: ${fmt(rate(events, ceiling.value))} events/s (${fmt(events)} events, ${shape} ` +
      `on ${LANES} connections, no Kafka, ${seconds(ceiling.value)})`,
  );
  log(`                  ${describeCpu(ceiling.cpu, events)}`);
  log(`                  ${describeDb(ceiling.db, events)}`);
  return { events, ms: ceiling.value, cpu: ceiling.cpu, db: ceiling.db };
}

// ------------------------------------------------------------------------------------------ latency

interface LatencyResult extends StageResult {
  readonly targetRate: number;
  readonly achievedRate: number;
  /** handled − ce_time, ms. */
  readonly fromEventTime: number[];
  /** handled − the writer saw its commit return, ms. */
  readonly fromCommit: number[];
  /** The relay's send (the Kafka record's CreateTime, stamped by kafkajs) − commit, ms. */
  readonly commitToSend: number[];
  /** handled − the relay's send, ms. */
  readonly sendToHandled: number[];
  readonly kafkajs: ConsumerActivity;
}

/**
 * The CreateTime of every record now in `topic` (kafkajs stamps it when the relay sends), by
 * `ce_id`; read after the measurement by a group of its own, so it does not load the measurement.
 */
async function recordTimestamps(ctx: Context, kafka: Kafka, topic: string, expected: number): Promise<Map<string, number>> {
  const sentAt = new Map<string, number>();
  const seen = new Progress(`timestamps of ${topic}`, STALL_MS);
  const consumer = kafka.consumer({ groupId: `bench-timestamps-${Date.now()}`, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }: EachBatchPayload) => {
        for (const message of batch.messages) {
          const id = message.headers?.ce_id?.toString();
          if (id) sentAt.set(id, Number(message.timestamp));
        }
        seen.set(sentAt.size);
      },
    });
    await seen.until(expected);
  } finally {
    await consumer.disconnect().catch((error) => ctx.logger.warn({ err: error }, 'could not disconnect the timestamp reader'));
  }
  return sentAt;
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
    await handled.stop(); // it hands over its per-event times
    const sentAt = await recordTimestamps(ctx, messaging.kafka, LEAD_CREATED, events);
    const fromEventTime: number[] = [];
    const fromCommit: number[] = [];
    const commitToSend: number[] = [];
    const sendToHandled: number[] = [];
    for (const [eventId, at] of handled.handledAt) {
      fromEventTime.push(at - handled.eventTime.get(eventId)!);
      const commit = committedAt.get(eventId);
      const sent = sentAt.get(eventId);
      if (commit !== undefined) fromCommit.push(at - commit);
      if (commit !== undefined && sent !== undefined) commitToSend.push(sent - commit);
      if (sent !== undefined) sendToHandled.push(at - sent);
    }
    for (const values of [fromEventTime, fromCommit, commitToSend, sendToHandled]) values.sort((a, b) => a - b);
    return {
      events,
      ms: value.ms,
      cpu,
      db,
      targetRate,
      achievedRate: rate(events, value.writeMs),
      fromEventTime,
      fromCommit,
      commitToSend,
      sendToHandled,
      kafkajs: { ...handled.kafkajs },
    };
  });
}

// ------------------------------------------------------------------------------------------ main

/**
 * What the run left in the tables: rows written, how many outbox updates (marking rows published)
 * were HOT, sizes. From the table statistics, which backends flush within a second while busy and
 * within 10 s when idle: the last seconds of the run may be missing.
 */
async function describeTables(dataSource: DataSource): Promise<void> {
  await dataSource.query(`SELECT pg_stat_clear_snapshot()`);
  const rows: Array<{ relname: string; ins: string; upd: string; hot: string; live: string; bytes: string }> = await dataSource.query(
    `SELECT relname, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_hot_upd AS hot, n_live_tup AS live,
            pg_total_relation_size(relid) AS bytes
       FROM pg_stat_user_tables WHERE relname IN ('messaging_outbox', 'messaging_outbox_queue', 'messaging_inbox', 'bench_effects') ORDER BY relname`,
  );
  log('tables at the end of the run (statistics, may lag by up to a few seconds):');
  for (const row of rows) {
    const bytesPerRow = Number(row.live) > 0 ? Number(row.bytes) / Number(row.live) : Number.NaN;
    log(
      `  ${row.relname.padEnd(22)} ${fmt(Number(row.ins))} inserted, ${fmt(Number(row.upd))} updated (${fmt(Number(row.hot))} HOT), ` +
        `${fmt(Number(row.bytes) / 2 ** 20, 1)} MiB with indexes (${fmt(bytesPerRow)} B per live row)`,
    );
  }
}

/** The end-to-end run over time: cumulative counts, and per interval the handling rate and how busy the event loop was. */
function printTimeline(samples: Sample[]): void {
  if (samples.length < 2) return;
  const every = Math.max(1, Math.ceil((samples.length - 1) / 12));
  log('  timeline:          t    written  published    handled | in the interval: handled/s  busy: writer+relay loop, consumer loop');
  let previous = samples[0];
  samples.forEach((s, index) => {
    if (index === 0 || (index % every !== 0 && index !== samples.length - 1)) return;
    const handledRate = ((s.handled - previous.handled) * 1000) / (s.t - previous.t);
    const busy = performance.eventLoopUtilization(s.eventLoop, previous.eventLoop).utilization;
    const consumerBusy = performance.eventLoopUtilization(s.consumerLoop, previous.consumerLoop).utilization;
    log(
      `  ${seconds(s.t).padStart(17)} ${fmt(s.written).padStart(10)} ${fmt(s.published).padStart(10)} ${fmt(s.handled).padStart(10)} |` +
        `${fmt(handledRate).padStart(27)} ${`${fmt(busy * 100)}%`.padStart(24)} ${`${fmt(consumerBusy * 100)}%`.padStart(14)}`,
    );
    previous = s;
  });
}

async function run(ctx: Context): Promise<void> {
  const size = eventSize();
  log(`events: lead.created, value ${size.value} B (Protobuf) + ${size.headers} B of headers (CloudEvents binary mode), key = lead id (UUID)`);
  log('');
  const rows: Array<[string, string]> = [];
  const p = (values: number[], q: number) => `${fmt(percentile(values, q))} ms`;
  const p3 = (values: number[]) => `${p(values, 50)} / ${p(values, 95)} / ${p(values, 99)}`;
  const stageRate = (s: StageResult) => fmt(rate(s.events, s.ms));

  if (WARMUP > 0) {
    log(`warm-up (${fmt(WARMUP)} events through each path, not reported) ...`);
    if (ONLY.has('raw')) for (const layout of RAW_LAYOUTS) await rawKafka(ctx, WARMUP, 'warmup', layout);
    if (ONLY.has('e2e') || ONLY.has('stages') || ONLY.has('latency')) await backboneEndToEnd(ctx, WARMUP, 'warmup');
    log('');
  }

  let rawRate: number | undefined;
  let rawCpu: number | undefined;
  if (ONLY.has('raw')) {
    await checkpoint(ctx.dataSource);
    log(`[1] raw kafkajs baseline: ${fmt(EVENTS)} records, sendBatch × ${TX_EVENTS}, eachBatch consumer (counting only), in both layouts ...`);
    for (const layout of RAW_LAYOUTS) {
      const raw = await rawKafka(ctx, EVENTS, 'run', layout);
      const layoutRate = rate(EVENTS, raw.ms);
      const where = layout === 'one thread' ? 'consumer on the producer\'s thread' : 'consumer on a thread of its own';
      log(`  ${where}: ${fmt(layoutRate)} msg/s first send → last consumed (${seconds(raw.ms)}); producing took ${seconds(raw.produceMs)}`);
      log(`    ${describeCpu(raw.cpu, EVENTS)}`);
      rows.push([`raw kafkajs, ${where}`, `${fmt(layoutRate)} msg/s; CPU per message ${describeCpuPerEvent(raw.cpu, EVENTS)}`]);
      if (rawRate === undefined || layoutRate > rawRate) {
        rawRate = layoutRate;
        rawCpu = cpuPerEvent(raw.cpu, EVENTS).total;
      }
    }
    log(`  baseline: the faster, ${fmt(rawRate!)} msg/s`);
    log('');
    rows.push(['raw kafkajs baseline (the faster layout)', `${fmt(rawRate!)} msg/s`]);
  }

  if (ONLY.has('e2e')) {
    await checkpoint(ctx.dataSource);
    log(`[2] backbone end to end: ${fmt(EVENTS)} events, outbox transactions of ${TX_EVENTS}, relay + transport (inbox + 1 insert per event, a transaction per partition batch) running concurrently ...`);
    const e2e = await backboneEndToEnd(ctx, EVENTS, 'run');
    const e2eRate = rate(EVENTS, e2e.ms);
    const ratio = rawRate === undefined ? 'n/a (no baseline in this run)' : fmt(e2eRate / rawRate, 3);
    log(`  ${fmt(e2eRate)} events/s first outbox write → last handled (${seconds(e2e.ms)}); ratio to raw kafkajs: ${ratio} (goal ≥ 0.5)`);
    log(`  writer done at ${seconds(e2e.writtenMs)}, relay done at ${seconds(e2e.publishedMs)}, consumer done at ${seconds(e2e.ms)}`);
    log(`  ${describeCpu(e2e.cpu, EVENTS)}`);
    log(`  ${describeDb(e2e.db!, EVENTS)}`);
    printTimeline(e2e.samples);
    log('');
    rows.push(['backbone end to end, first outbox write → last handled', `${fmt(e2eRate)} events/s`]);
    rows.push(['ratio backbone / raw (goal ≥ 0.5)', ratio]);
    rows.push(['backbone end to end, CPU per event', describeCpuPerEvent(e2e.cpu, EVENTS)]);
    if (rawCpu !== undefined) rows.push(['CPU cost ratio raw / backbone (the ratio, less sensitive to other load)', fmt(rawCpu / cpuPerEvent(e2e.cpu, EVENTS).total, 3)]);
  }

  if (ONLY.has('stages')) {
    log(`[2b] backbone stage by stage, ${fmt(STAGE_EVENTS)} events, each stage alone ...`);
    const stages = await backboneStages(ctx, STAGE_EVENTS);
    log('');
    const withCpu = (stage: StageResult, unit: string) => `${stageRate(stage)} ${unit}/s; CPU per event ${describeCpuPerEvent(stage.cpu, stage.events)}`;
    rows.push([`stage alone: outbox insert (${TX_EVENTS} per transaction)`, withCpu(stages.insert, 'events')]);
    rows.push(['stage alone: relay publish', withCpu(stages.relay, 'events')]);
    rows.push(['stage alone: consume + inbox + handler', withCpu(stages.consume, 'events')]);
    rows.push([`db ceiling: one transaction per event, ${LANES} connections, no Kafka`, withCpu(stages.dbCeiling, 'events')]);
    rows.push([`db ceiling: transactions of ${BATCH_TX_MESSAGES} events with a savepoint per event, ${LANES} connections, no Kafka`, withCpu(stages.dbCeilingBatch, 'events')]);
    rows.push([`db ceiling: the same without savepoints (the transport's design)`, withCpu(stages.dbCeilingNoSavepoints, 'events')]);
    if (rawCpu !== undefined) {
      // What any outbox → Kafka → inbox backbone must at least spend per event here: the raw Kafka
      // work, writing the outbox row, and the consumer's inbox row and effect. It leaves out the
      // relay's claiming and marking, decoding and dispatch: a generous floor, so an upper bound.
      const floor =
        rawCpu + cpuPerEvent(stages.insert.cpu, stages.insert.events).total + cpuPerEvent(stages.dbCeilingNoSavepoints.cpu, stages.dbCeilingNoSavepoints.events).total;
      log(`  CPU floor per event: raw ${fmt(rawCpu)} + outbox insert alone + consumer's database work alone = ${fmt(floor)} µs; raw ÷ floor = ${fmt(rawCpu / floor, 3)}`);
      log('');
      rows.push(['CPU floor per event: raw + outbox insert alone + the consumer\'s database work alone (no relay database work, no decoding)', `${fmt(floor)} µs`]);
      rows.push(['upper bound on the CPU cost ratio for any backbone with an outbox and an inbox: raw ÷ that floor', fmt(rawCpu / floor, 3)]);
    }
  }

  if (ONLY.has('latency')) {
    log(`[3] latency at a steady ${fmt(RATE)} events/s for ${SECONDS} s, one event per transaction, ${LATENCY_WRITERS} writers ...`);
    const latency = await steadyLatency(ctx, RATE, SECONDS);
    log(`  achieved ${fmt(latency.achievedRate, 1)} events/s written (target ${fmt(RATE)}); ${fmt(latency.fromEventTime.length)} handled`);
    log(`  handled − ce_time : p50 ${p(latency.fromEventTime, 50)}, p95 ${p(latency.fromEventTime, 95)}, p99 ${p(latency.fromEventTime, 99)}, max ${p(latency.fromEventTime, 100)}`);
    log(`  handled − commit  : p50 ${p(latency.fromCommit, 50)}, p95 ${p(latency.fromCommit, 95)}, p99 ${p(latency.fromCommit, 99)}, max ${p(latency.fromCommit, 100)}`);
    log(`    of which commit → relay send : p50 ${p(latency.commitToSend, 50)}, p95 ${p(latency.commitToSend, 95)}, p99 ${p(latency.commitToSend, 99)}`);
    log(`    and relay send → handled     : p50 ${p(latency.sendToHandled, 50)}, p95 ${p(latency.sendToHandled, 95)}, p99 ${p(latency.sendToHandled, 99)}`);
    log(`  ${describeCpu(latency.cpu, latency.events)}`);
    log(`  ${describeDb(latency.db!, latency.events)}`);
    log(`  ${describeConsumer(latency.kafkajs)}`);
    log('');
    rows.push([`steady load: achieved write rate (target ${RATE}/s, ${SECONDS} s)`, `${fmt(latency.achievedRate, 1)} events/s`]);
    rows.push(['latency handled − ce_time p50 / p95 / p99', p3(latency.fromEventTime)]);
    rows.push(['latency handled − commit p50 / p95 / p99', p3(latency.fromCommit)]);
    rows.push(['… commit → relay send p50 / p95 / p99', p3(latency.commitToSend)]);
    rows.push(['… relay send → handled p50 / p95 / p99', p3(latency.sendToHandled)]);
  }

  await describeTables(ctx.dataSource);
  log('');
  log('summary (markdown):');
  log('');
  log('| figure | value |');
  log('| --- | --- |');
  for (const [figure, value] of rows) log(`| ${figure} | ${value} |`);
}

async function main(): Promise<number> {
  const startedAt = new Date();
  log(`messaging benchmark — ${startedAt.toISOString()}`);
  log(`machine: ${machineDescription()}; load average at start: ${loadAverage()}`);
  log(
    `config: BENCH_EVENTS=${EVENTS} BENCH_RATE=${RATE} BENCH_SECONDS=${SECONDS} BENCH_TX_EVENTS=${TX_EVENTS} ` +
      `BENCH_STAGE_EVENTS=${STAGE_EVENTS} BENCH_WARMUP=${WARMUP} BENCH_CONCURRENCY=${CONCURRENCY ?? `(library default: ${LANES})`} ` +
      `BENCH_POOL_SIZE=${POOL_SIZE ?? '(library default: 10)'} BENCH_ONLY=${[...ONLY].join(',')}`,
  );
  log(`command: node ${process.execArgv.join(' ')} ${process.argv.slice(1).join(' ')}`.replace(/\s+/g, ' '));
  log('');

  let infra: BenchInfrastructure | undefined;
  let infraRequested = false;
  let dataSource: DataSource | undefined;
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    if (dataSource?.isInitialized) await dataSource.destroy().catch(() => undefined);
    if (infraRequested) await stopInfrastructure().catch((error) => process.stderr.write(`could not stop the bench broker: ${error}\n`));
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
    infraRequested = true;
    infra = await startInfrastructure();
    const applicationName = 'bench';
    await runMigrations(createDataSource({ url: infra.databaseUrl, applicationName }));
    dataSource = await createDataSource({ url: infra.databaseUrl, applicationName, ...(POOL_SIZE !== undefined && { poolSize: POOL_SIZE }) }).initialize();
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
