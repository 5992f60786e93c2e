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
}

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** Serialises relays of one service: only one replica publishes at a time, so per-key order holds. */
const RELAY_LOCK_KEY = 0x500_1ead;
const MAX_BACKOFF_MS = 5_000;

/**
 * Copies committed outbox rows to Kafka in id order, then marks them published. Rows are claimed
 * with FOR UPDATE SKIP LOCKED inside a transaction that also holds an advisory lock; the relay is
 * woken by LISTEN/NOTIFY and polls as a fallback. If Kafka is down the rows stay pending and are
 * retried with backoff: delivery is delayed, never lost.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retentionMs: number;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  /** Set by a NOTIFY that arrives while a batch is being published, so it is not missed. */
  private notified = false;
  private listener?: Client;
  private lastCleanup = 0;

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
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.listen();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
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
        const published = await this.publishBatch();
        failures = 0;
        await this.cleanupIfDue();
        if (published < this.batchSize) await this.idle(this.pollIntervalMs);
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

  /** Publishes one batch of pending rows; returns how many. */
  async publishBatch(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [RELAY_LOCK_KEY]);
      if (!locked) return 0;
      const rows: OutboxRow[] = await manager.query(
        `SELECT id, topic, message_key, value, headers FROM messaging_outbox
         WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (rows.length === 0) return 0;
      await this.send(rows);
      await this.markPublished(manager, rows);
      return rows.length;
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

  private async cleanupIfDue(): Promise<void> {
    if (Date.now() - this.lastCleanup < 60_000) return;
    this.lastCleanup = Date.now();
    await this.dataSource.query(
      `DELETE FROM messaging_outbox WHERE id IN (
         SELECT id FROM messaging_outbox WHERE published_at < now() - make_interval(secs => $1) LIMIT 10000)`,
      [this.retentionMs / 1000],
    );
  }
}
