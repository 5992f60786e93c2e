import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Producer, TopicMessages } from 'kafkajs';
import { Client } from 'pg';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import type { MessagingMetrics } from '../messaging.metrics';
import { contextFromTraceHeaders, currentTraceHeaders, startMessagingSpan } from '../trace-context';

export interface OutboxRelaySettings {
  readonly databaseUrl: string;
  readonly batchSize?: number;
  /** Fallback when a NOTIFY is missed (e.g. the LISTEN connection is being re-established). */
  readonly pollIntervalMs?: number;
  /** Published rows are kept this long for inspection, then deleted. */
  readonly retentionMs?: number;
  /** How often the retention runs (each run deletes everything that is due, in chunks). */
  readonly cleanupIntervalMs?: number;
}

/** A claimed queue entry and its outbox row (absent, or already published by a relay of an older release: skipped). */
interface ClaimedRow {
  id: string;
  topic: string | null;
  message_key: string;
  value: Buffer;
  headers: Record<string, string>;
  published_at: Date | null;
}

type OutboxRow = ClaimedRow & { topic: string };

/** Serialises relays of one service: only one replica publishes at a time, so per-key order holds. */
const RELAY_LOCK_KEY = 0x500_1ead;
/** Serialises the retention of the replicas of one service. */
const CLEANUP_LOCK_KEY = 0x500_c1ea;
/** Rows deleted per retention statement (one transaction each); a full chunk is followed by another. */
const CLEANUP_CHUNK = 5_000;
const MAX_BACKOFF_MS = 5_000;

/**
 * Copies committed outbox rows to Kafka in id order, then marks them published. The ids of the
 * rows to publish are in `messaging_outbox_queue` (filled by a trigger in the inserting
 * transaction): a batch is claimed by deleting its ids (FOR UPDATE SKIP LOCKED) inside a
 * transaction that also holds an advisory lock, sent, marked published (a HOT update: no index
 * mentions `published_at`), and committed. The relay is woken by LISTEN/NOTIFY and polls as a
 * fallback. If Kafka is down the transaction rolls back, the ids stay queued and are retried with
 * backoff: delivery is delayed, never lost. Published rows are deleted after `retentionMs` by a
 * loop of its own, off the publish path, in chunks until nothing more is due.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retentionMs: number;
  private readonly cleanupIntervalMs: number;
  private running = false;
  /** Set by stop(): a retention run in progress ends after its current chunk. */
  private stopping = false;
  private loop?: Promise<void>;
  private cleanupLoop?: Promise<void>;
  private wake?: () => void;
  private wakeCleanup?: () => void;
  /** Set by a NOTIFY that arrives while a batch is being published, so it is not missed. */
  private notified = false;
  private listener?: Client;

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: Producer,
    private readonly metrics: MessagingMetrics,
    private readonly logger: Logger,
    private readonly settings: OutboxRelaySettings,
  ) {
    this.batchSize = settings.batchSize ?? 500;
    this.pollIntervalMs = settings.pollIntervalMs ?? 1_000;
    this.retentionMs = settings.retentionMs ?? 60 * 60 * 1_000;
    this.cleanupIntervalMs = settings.cleanupIntervalMs ?? 60_000;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    await this.listen();
    this.loop = this.run();
    this.cleanupLoop = this.runCleanup();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopping = true;
    this.wake?.();
    this.wakeCleanup?.();
    await Promise.all([this.loop, this.cleanupLoop]);
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.settings.databaseUrl, application_name: 'outbox-relay' });
    client.on('notification', () => {
      this.notified = true;
      this.wake?.();
    });
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'outbox LISTEN connection lost; polling until it is back');
      this.listener = undefined;
      if (this.running) setTimeout(() => void this.listen().catch(() => undefined), this.pollIntervalMs).unref();
    });
    await client.connect();
    await client.query('LISTEN messaging_outbox');
    this.listener = client;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        this.notified = false;
        const claimed = await this.publishBatch();
        failures = 0;
        if (claimed < this.batchSize) await this.idle(this.pollIntervalMs);
      } catch (error) {
        failures += 1;
        const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures);
        this.logger.warn({ err: error, retryInMs: delay }, 'outbox relay could not publish; will retry');
        await this.idle(delay);
      }
    }
  }

  /** Waits until woken by a NOTIFY or stop(), or until the timeout passes. */
  private idle(timeoutMs: number): Promise<void> {
    if (this.notified || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Publishes one batch of pending rows; returns how many queue entries it took (published or skipped). */
  async publishBatch(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [RELAY_LOCK_KEY]);
      if (!locked) return 0;
      const claimed: ClaimedRow[] = await manager.query(
        `WITH claimed AS (
           DELETE FROM messaging_outbox_queue WHERE id = ANY(ARRAY(
             SELECT id FROM messaging_outbox_queue ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED))
           RETURNING id)
         SELECT claimed.id, o.topic, o.message_key, o.value, o.headers, o.published_at
           FROM claimed LEFT JOIN messaging_outbox o ON o.id = claimed.id
          ORDER BY claimed.id`,
        [this.batchSize],
      );
      const rows = claimed.filter((row): row is OutboxRow => row.topic !== null && row.published_at === null);
      if (rows.length > 0) {
        await this.send(rows);
        await this.markPublished(manager, rows);
      }
      return claimed.length;
    });
  }

  private async send(rows: OutboxRow[]): Promise<void> {
    const spans: Span[] = [];
    const byTopic = new Map<string, TopicMessages>();
    for (const row of rows) {
      const span = startMessagingSpan('send', row.topic, contextFromTraceHeaders(row.headers), {
        'messaging.message.id': row.headers['ce_id'],
        'messaging.kafka.message.key': row.message_key,
      });
      spans.push(span);
      // The consumer's span becomes a child of this send span, not of the original request.
      const headers = { ...row.headers, ...currentTraceHeaders(trace.setSpan(contextFromTraceHeaders(row.headers), span)) };
      const batch = byTopic.get(row.topic) ?? { topic: row.topic, messages: [] };
      batch.messages.push({ key: row.message_key, value: row.value, headers });
      byTopic.set(row.topic, batch);
    }
    try {
      await this.producer.sendBatch({ topicMessages: [...byTopic.values()] });
      for (const { topic, messages } of byTopic.values()) this.metrics.published.inc({ topic }, messages.length);
    } catch (error) {
      for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      for (const span of spans) span.end();
    }
  }

  private async markPublished(manager: EntityManager, rows: OutboxRow[]): Promise<void> {
    await manager.query(`UPDATE messaging_outbox SET published_at = now() WHERE id = ANY($1::bigint[])`, [
      rows.map((row) => row.id),
    ]);
  }

  private async runCleanup(): Promise<void> {
    while (this.running) {
      try {
        await this.deleteExpired();
      } catch (error) {
        this.logger.warn({ err: error }, 'outbox retention failed; will retry');
      }
      await this.pauseCleanup(this.cleanupIntervalMs);
    }
  }

  private pauseCleanup(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wakeCleanup?.(), ms);
      this.wakeCleanup = () => {
        clearTimeout(timer);
        this.wakeCleanup = undefined;
        resolve();
      };
    });
  }

  /**
   * Deletes the rows published more than `retentionMs` ago, oldest first, in chunks of
   * CLEANUP_CHUNK (one short transaction each) for as long as a chunk comes back full: however
   * fast events are published, retention keeps up. Each chunk reads the oldest rows by id and stops
   * at the first one that is not yet due (the relay publishes in id order), so a table with
   * nothing due costs one short index scan, not a full scan. Returns how many rows it deleted.
   */
  async deleteExpired(): Promise<number> {
    let total = 0;
    while (!this.stopping) {
      const deleted = await this.dataSource.transaction(async (manager) => {
        const [{ locked }] = await manager.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [CLEANUP_LOCK_KEY]);
        if (!locked) return 0; // another replica is at it
        const [, deleted]: [unknown[], number] = await manager.query(
          `DELETE FROM messaging_outbox WHERE id IN (
             SELECT id FROM (
               SELECT id, bool_and(coalesce(published_at < now() - make_interval(secs => $1), false)) OVER (ORDER BY id) AS due
                 FROM (SELECT id, published_at FROM messaging_outbox ORDER BY id LIMIT $2) AS oldest
             ) AS prefix WHERE due)`,
          [this.retentionMs / 1000, CLEANUP_CHUNK],
        );
        return deleted;
      });
      total += deleted;
      if (deleted < CLEANUP_CHUNK) break;
    }
    return total;
  }
}
