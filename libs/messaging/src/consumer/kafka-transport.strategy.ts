import { EventDecodeError, decodeEvent, findTopic, type DecodedEvent } from '@leads/contracts';
import { SpanStatusCode, context, trace, type Context, type Span } from '@opentelemetry/api';
import { RpcException, Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import type { Batch, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { lastValueFrom } from 'rxjs';
import { setTimeout as delay } from 'node:timers/promises';
import type { DataSource, QueryRunner } from 'typeorm';
import type { MessagingMetrics } from '../messaging.metrics';
import { ensureTopics, deadLetterTopic } from '../topology';
import { contextFromTraceHeaders, startMessagingSpan } from '../trace-context';
import { EventContext, NonRetryableEventError, type Delivery } from './event-context';

export interface RetrySettings {
  /** Attempts before a message goes to the dead-letter topic (the first one may be part of a batch transaction). */
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** How large one database transaction over the messages of a partition batch may grow. */
export interface BatchTransactionSettings {
  /**
   * Messages per transaction at most. When a transaction has to be repeated with a savepoint
   * (a subtransaction) per handler, PostgreSQL caches 64 of them per transaction, beyond which
   * every other session's snapshots get costlier while it runs ("subxid overflow"): hence the
   * default of 64.
   */
  readonly maxMessages: number;
  /** No further message joins a transaction open for this long (bounds lock hold times; the partition heartbeats between transactions). */
  readonly maxMs: number;
}

export interface KafkaTransportSettings {
  /** The consumer group of handlers that name no group of their own. */
  readonly groupId: string;
  readonly retry?: Partial<RetrySettings>;
  /**
   * Partitions handled in parallel per consumer group, each on a database connection of its own
   * while it does; order within a partition is always kept. Default: the partition count of the
   * group's largest topic, so one fetch is handled in one round.
   */
  readonly partitionsConsumedConcurrently?: number;
  /** How soon a consumer that died without leaving is replaced in its group. */
  readonly sessionTimeoutMs?: number;
  readonly transaction?: Partial<BatchTransactionSettings>;
  /**
   * Offsets of handled messages are committed to Kafka this often (and when the transport
   * closes), not after every batch. A crash redelivers what was handled since the last commit;
   * the inbox skips it.
   */
  readonly offsetCommitIntervalMs?: number;
}

/** `@EventPattern('lead.created', { group: 'enrichment-slow' })` gives a handler its own consumer group. */
export interface EventPatternExtras {
  readonly group?: string;
}

type Outcome = 'handled' | 'duplicate';

const defaultRetry: RetrySettings = { attempts: 5, initialDelayMs: 200, maxDelayMs: 10_000 };
const defaultBatchTransaction: BatchTransactionSettings = { maxMessages: 64, maxMs: 1_000 };
const DEFAULT_OFFSET_COMMIT_INTERVAL_MS = 1_000;
/** How long close() waits for the last offset commit (the broker may be down). */
const FINAL_COMMIT_TIMEOUT_MS = 5_000;
const SAVEPOINT = 'leads_message';
/** SQLSTATE 25P02: a statement was sent to a transaction that an earlier failed statement aborted. */
const IN_FAILED_SQL_TRANSACTION = '25P02';

/** One message of a kafkajs batch as the transport works on it; its span lives until it is handled or dead-lettered. */
interface Item {
  readonly delivery: Delivery;
  readonly message: KafkaMessage;
  readonly event?: DecodedEvent;
  readonly decodeError?: EventDecodeError;
  parent?: Context;
  span?: Span;
  stopTimer?: () => void;
  settled?: boolean;
}

type DecodedItem = Item & { readonly event: DecodedEvent };
type StartedItem = DecodedItem & { parent: Context; span: Span; stopTimer: () => void };

/** The result of one batch transaction: how many of its messages it settled, and the one whose handler failed. */
interface ChunkResult {
  readonly settled: number;
  readonly failure?: { readonly item: StartedItem; readonly error: unknown };
}

/** A message a batch transaction got through: handled (with its context), or skipped as a duplicate. */
interface HandledItem {
  readonly item: StartedItem;
  readonly eventContext?: EventContext;
}

/** How a transaction without savepoints ended: committed, rolled back because a handler threw, or because one swallowed a failed statement. */
type TogetherRun =
  | ({ readonly kind: 'committed' } & ChunkResult)
  | { readonly kind: 'thrown'; readonly index: number; readonly error: unknown }
  | { readonly kind: 'swallowed' };

/** Per consumer group: its kafkajs consumer, the batches in flight, and how to commit what they resolved. */
interface GroupConsumer {
  readonly consumer: Consumer;
  readonly inFlight: Set<Promise<void>>;
  committer?: Pick<EachBatchPayload, 'commitOffsetsIfNecessary' | 'uncommittedOffsets'>;
  committing?: Promise<void>;
  timer?: NodeJS.Timeout;
}

/**
 * A Nest transport strategy on kafkajs, so handlers stay `@EventPattern(topic)` methods.
 * Per consumer group it runs one kafkajs consumer over that group's topics, batch by batch.
 * Each message is decoded (CloudEvents binary mode + protobuf) and its trace context continued.
 * The messages of a partition batch are handled in one database transaction (bounded in size and
 * time): one multi-row inbox insert tells the duplicates apart, then each new message's handler
 * runs in order, and one commit makes all their effects and inbox rows durable at once, so a
 * redelivery has no second effect. When a handler throws, the transaction is rolled back and what
 * came before it is handled again and commits; it is retried alone with backoff (keeping the
 * partition's order), and the rest of the batch follows in a new transaction. What still fails,
 * or cannot be decoded, goes to `<group>.dlq` with its origin in headers, and the partition moves
 * on. Offsets are resolved only for messages that were handled (committed) or dead-lettered, and
 * committed to Kafka on an interval and on close.
 */
export class KafkaTransport extends Server implements CustomTransportStrategy {
  override readonly propagatesEventHandlerErrors = true;
  private readonly retry: RetrySettings;
  private readonly bounds: BatchTransactionSettings;
  private readonly consumers: Consumer[] = [];
  private readonly groups: GroupConsumer[] = [];
  private readonly shutdown = new AbortController();
  private readonly handlerByTopic = new Map<string, MessageHandler>();

  constructor(
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly dataSource: DataSource,
    private readonly metrics: MessagingMetrics,
    private readonly log: Logger,
    private readonly settings: KafkaTransportSettings,
  ) {
    super();
    this.retry = { ...defaultRetry, ...settings.retry };
    this.bounds = { ...defaultBatchTransaction, ...settings.transaction };
    if (!(this.bounds.maxMessages >= 1)) throw new Error('transaction.maxMessages must be at least 1');
  }

  on(): void {
    throw new Error('KafkaTransport has no events to listen to');
  }

  unwrap<T>(): T {
    return this.consumers as T;
  }

  /** Consumer group → the topics its handlers subscribe to. */
  subscriptions(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const [topic, handler] of this.getHandlers()) {
      if (!findTopic(topic)) throw new Error(`@EventPattern('${topic}') names no topic of the registry`);
      const group = (handler.extras as EventPatternExtras | undefined)?.group ?? this.settings.groupId;
      groups.set(group, [...(groups.get(group) ?? []), topic]);
    }
    return groups;
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const groups = this.subscriptions();
      const topics = [...groups.values()].flat().map((name) => findTopic(name)!);
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        await ensureTopics(admin, topics, [...groups.keys()].map(deadLetterTopic));
      } finally {
        await admin.disconnect();
      }
      for (const [group, groupTopics] of groups) await this.startConsumer(group, groupTopics);
      this.metrics.trackConsumerGroups([...groups.keys()]);
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Stops intake between messages, lets the batches in flight finish, commits their offsets, leaves the groups. */
  async close(): Promise<void> {
    this.shutdown.abort();
    await Promise.all(
      this.groups.map(async (group) => {
        clearInterval(group.timer);
        await Promise.allSettled([...group.inFlight]);
        await withTimeout(this.commitHandled(group), FINAL_COMMIT_TIMEOUT_MS).catch((error) =>
          this.log.warn({ err: error }, 'could not commit the last offsets; the inbox will skip their redelivery'),
        );
        await group.consumer.disconnect();
      }),
    );
    this.groups.length = 0;
    this.consumers.length = 0;
  }

  private async startConsumer(group: string, topics: string[]): Promise<void> {
    const sessionTimeout = this.settings.sessionTimeoutMs ?? 30_000;
    const consumer = this.kafka.consumer({
      groupId: group,
      allowAutoTopicCreation: false,
      sessionTimeout,
      heartbeatInterval: Math.floor(sessionTimeout / 10),
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    const state: GroupConsumer = { consumer, inFlight: new Set() };
    await consumer.run({
      // Offsets are committed by commitHandled: on an interval, when a batch fails, and on close.
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently ?? this.defaultPartitionConcurrency(topics),
      eachBatch: (payload) => {
        state.committer = payload;
        const consumed = this.consumeBatch(group, payload, state);
        const forget = () => state.inFlight.delete(consumed);
        state.inFlight.add(consumed);
        consumed.then(forget, forget);
        return consumed;
      },
    });
    state.timer = setInterval(() => {
      if (state.committing) return; // e.g. the broker is down: one commit at a time
      this.commitHandled(state).catch((error) => this.log.debug({ err: error, group }, 'offset commit failed; retried at the next interval'));
    },
      this.settings.offsetCommitIntervalMs ?? DEFAULT_OFFSET_COMMIT_INTERVAL_MS,
    );
    state.timer.unref();
    this.groups.push(state);
    this.consumers.push(consumer);
    this.log.info({ group, topics }, 'consuming');
  }

  /** Commits the offsets resolved since the last commit (one commit at a time). */
  private async commitHandled(group: GroupConsumer): Promise<void> {
    while (group.committing) await group.committing.catch(() => undefined);
    const committer = group.committer;
    if (!committer) return;
    const offsets = committer.uncommittedOffsets();
    if (offsets.topics.length === 0) return;
    group.committing = committer.commitOffsetsIfNecessary(offsets);
    try {
      await group.committing;
    } finally {
      group.committing = undefined;
    }
  }

  private async consumeBatch(group: string, payload: EachBatchPayload, state: GroupConsumer): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const stopping = () => !isRunning() || isStale() || this.shutdown.signal.aborted;
    const items: Item[] = [];
    const itemAt = (index: number): Item => (items[index] ??= decode(group, batch, batch.messages[index]));
    let next = 0;
    try {
      while (next < batch.messages.length && !stopping()) {
        const first = itemAt(next);
        if (!first.event) {
          const error = first.decodeError!;
          await this.deadLetter(first.delivery, first.message, error, 0, `undecodable: ${error.reason}`);
          resolveOffset(first.message.offset);
          next += 1;
          await heartbeat();
          continue;
        }
        // A run of decodable messages; an undecodable one ends it and is dead-lettered in turn.
        const chunk: DecodedItem[] = [first as DecodedItem];
        while (chunk.length < this.bounds.maxMessages && next + chunk.length < batch.messages.length) {
          const item = itemAt(next + chunk.length);
          if (!item.event) break;
          chunk.push(item as DecodedItem);
        }
        const { settled, failure } = await this.handleChunk(chunk, stopping);
        if (settled > 0) resolveOffset(chunk[settled - 1].message.offset);
        next += settled;
        if (failure) {
          await this.retryAlone(failure.item, failure.error, heartbeat);
          resolveOffset(failure.item.message.offset);
          next += 1;
        }
        await heartbeat();
      }
    } catch (error) {
      // As kafkajs's own auto-commit would: keep the progress made before leaving (shutdown, rebalance).
      await this.commitHandled(state).catch(() => undefined);
      throw error;
    } finally {
      // Begun and never settled (stopped, or a failed transaction and then a rebalance): redelivered later.
      for (const item of items) if (item?.span && !item.settled) item.span.end();
    }
  }

  /**
   * One partition per batch transaction, but never more than half the connection pool: each
   * partition in flight holds a connection for its transaction, and handlers may query outside it
   * (a cache shared by every lead), as do the relay and the HTTP API. With all connections held by
   * batches, a handler waiting for one more would wait for itself.
   */
  private defaultPartitionConcurrency(topics: readonly string[]): number {
    const poolSize = (this.dataSource.options as { poolSize?: number }).poolSize ?? 10;
    return Math.max(1, Math.min(Math.max(...topics.map((topic) => findTopic(topic)!.partitions)), Math.floor(poolSize / 2)));
  }

  /**
   * Handles a run of decoded messages of one partition in one transaction, first together: the
   * handlers run one after another with no savepoint between them, and one commit makes their
   * effects durable. Should a handler throw, that transaction is rolled back and the messages
   * before it are handled again together (their first run is discarded, as a crash before commit
   * would; what they do outside the transaction must bear that, as it must bear redelivery): the
   * failing message's run counts as its first attempt. Should a handler have swallowed a failed
   * statement (the transaction is aborted, and nothing tells which handler did it), the run is
   * repeated with a savepoint per handler, which finds it.
   */
  private async handleChunk(chunk: DecodedItem[], stopping: () => boolean): Promise<ChunkResult> {
    let run = await this.runTogether(chunk, stopping);
    let failure: ChunkResult['failure'];
    while (run.kind === 'thrown') {
      failure = { item: this.begin(chunk[run.index]), error: run.error };
      if (run.index === 0) return { settled: 0, failure };
      const before = chunk.slice(0, run.index);
      run = await this.runTogether(before, stopping);
      // Stopped short of the failing message (time budget, shutdown): it comes again as a new first attempt.
      if (run.kind === 'committed' && (run.settled < before.length || run.failure)) return run;
    }
    if (run.kind === 'swallowed') return this.runIsolated(chunk, stopping);
    return failure ? { settled: run.settled, failure } : run;
  }

  /** Begins a batch transaction with the inbox rows of the chunk's events; returns the ids it inserted (the new events). */
  private async claimInbox(runner: QueryRunner, chunk: DecodedItem[]): Promise<Set<string>> {
    const { consumer, topic } = chunk[0].delivery;
    await runner.startTransaction();
    const ids = [...new Set(chunk.map((item) => item.event.attributes.id))].sort();
    const inserted: Array<{ event_id: string }> = await runner.query(
      `INSERT INTO messaging_inbox (consumer, event_id, topic) SELECT $1, event_id, $3 FROM unnest($2::text[]) AS event_id
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [consumer, ids, topic],
    );
    return new Set(inserted.map((row) => row.event_id));
  }

  /** The inbox rows of events whose handler did not run (the transaction stopped early) go, so they count as new when they come again. */
  private async releaseUnhandled(runner: QueryRunner, consumer: string, unhandled: Set<string>): Promise<void> {
    await runner.query(`DELETE FROM messaging_inbox WHERE consumer = $1 AND event_id = ANY($2::text[])`, [consumer, [...unhandled]]);
  }

  /** After the commit: the after-commit hooks, then each message is settled (its span ends). */
  private settleCommitted(done: HandledItem[]): ChunkResult {
    for (const { item, eventContext } of done) {
      if (eventContext) this.runAfterCommitHooks(eventContext);
      this.settle(item, eventContext ? 'handled' : 'duplicate');
    }
    return { settled: done.length };
  }

  /**
   * One transaction for the chunk with no savepoints: the inbox insert, each new message's handler,
   * one statement that fails if a handler swallowed a failed statement, the commit. Nothing is
   * committed unless every handler that ran succeeded. Stops early (committing what it handled)
   * when the time budget is spent or the consumer stops.
   */
  private async runTogether(chunk: DecodedItem[], stopping: () => boolean): Promise<TogetherRun> {
    const { consumer, topic } = chunk[0].delivery;
    const handler = this.handlerFor(topic);
    const done: HandledItem[] = [];
    const runner = this.dataSource.createQueryRunner();
    try {
      const unhandled = await this.claimInbox(runner, chunk);
      const opened = performance.now();
      for (const [index, next] of chunk.entries()) {
        if (done.length > 0 && (stopping() || performance.now() - opened >= this.bounds.maxMs)) break;
        const item = this.begin(next);
        const eventId = item.event.attributes.id;
        if (!unhandled.delete(eventId)) {
          done.push({ item }); // handled before, or earlier in this chunk: skipped
          continue;
        }
        const eventContext = new EventContext(runner.manager, item.event, item.delivery);
        try {
          await context.with(trace.setSpan(item.parent, item.span), () => this.runHandler(handler, item.event, eventContext));
        } catch (error) {
          await runner.rollbackTransaction();
          return { kind: 'thrown', index, error };
        }
        done.push({ item, eventContext });
      }
      if (!done.some((entry) => entry.eventContext)) {
        await runner.rollbackTransaction(); // duplicates only: there is nothing to keep
        return { kind: 'committed', ...this.settleCommitted(done) };
      }
      try {
        // PostgreSQL would turn the COMMIT of an aborted transaction into a silent ROLLBACK.
        await (unhandled.size > 0 ? this.releaseUnhandled(runner, consumer, unhandled) : runner.query('SELECT 1'));
      } catch (error) {
        if ((error as { code?: string }).code !== IN_FAILED_SQL_TRANSACTION) throw error;
        await runner.rollbackTransaction();
        return { kind: 'swallowed' };
      }
      await runner.commitTransaction();
    } catch (error) {
      // The transaction itself failed (connection lost, commit refused...): nothing of it is
      // committed. The failure counts as an attempt of its first message, retried alone.
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      return { kind: 'committed', settled: 0, failure: { item: this.begin(chunk[0]), error } };
    } finally {
      await runner.release();
    }
    return { kind: 'committed', ...this.settleCommitted(done) };
  }

  /**
   * The chunk in one transaction with a savepoint per handler (but the first), after a handler
   * swallowed a failed statement: the statement that follows each handler (releasing its
   * savepoint) tells which one did. Stops early, committing what it handled, at the first failure
   * (rolled back to its savepoint), when the time budget is spent, or when the consumer stops.
   */
  private async runIsolated(chunk: DecodedItem[], stopping: () => boolean): Promise<ChunkResult> {
    const { consumer, topic } = chunk[0].delivery;
    const handler = this.handlerFor(topic);
    const done: HandledItem[] = [];
    let failure: ChunkResult['failure'];
    /** Set when the message that failed is the first one handled: the whole transaction goes, nothing before it needs keeping. */
    let discard = false;
    const runner = this.dataSource.createQueryRunner();
    try {
      /** Event ids whose inbox row this transaction inserted and whose handler has not run (yet). */
      const unhandled = await this.claimInbox(runner, chunk);
      /**
       * The message whose handler returned last; it is done once the statement that follows it
       * succeeds. It has a savepoint of its own unless it is the first message the transaction
       * handles (if that one fails, nothing before it needs keeping: the transaction is dropped).
       */
      let open: (HandledItem & { savepoint: boolean }) | undefined;
      /**
       * Closes the open message with the next statement, `then` (one round trip): a refused
       * statement means a statement of that handler failed and the handler went on as if not (the
       * transaction is aborted). The message is rolled back (to its savepoint, or with the whole
       * transaction) and counts as failed. Returns whether the message is done.
       */
      const close = async (then: string): Promise<boolean> => {
        const entry = open!;
        open = undefined;
        try {
          await runner.query(entry.savepoint ? `RELEASE SAVEPOINT ${SAVEPOINT}${then && `; ${then}`}` : then || 'SELECT 1');
        } catch (error) {
          if (entry.savepoint) {
            await runner.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`); // throws if the savepoint is gone: the transaction failed
          } else if ((error as { code?: string }).code === IN_FAILED_SQL_TRANSACTION) {
            discard = true;
          } else {
            throw error;
          }
          unhandled.add(entry.item.event.attributes.id);
          failure = { item: entry.item, error: new SwallowedStatementError(error) };
          return false;
        }
        done.push(entry);
        return true;
      };
      const opened = performance.now();
      for (const next of chunk) {
        if ((done.length > 0 || open) && (stopping() || performance.now() - opened >= this.bounds.maxMs)) break;
        const item = this.begin(next);
        const eventId = item.event.attributes.id;
        if (!unhandled.has(eventId)) {
          // Handled before, or earlier in this chunk: skipped.
          if (open && !(await close(''))) break;
          done.push({ item });
          continue;
        }
        const savepoint = open !== undefined || done.some((entry) => entry.eventContext);
        if (open) {
          if (!(await close(`SAVEPOINT ${SAVEPOINT}`))) break;
        } else if (savepoint) {
          await runner.query(`SAVEPOINT ${SAVEPOINT}`);
        }
        unhandled.delete(eventId);
        const eventContext = new EventContext(runner.manager, item.event, item.delivery);
        try {
          await context.with(trace.setSpan(item.parent, item.span), () => this.runHandler(handler, item.event, eventContext));
        } catch (error) {
          if (savepoint) await runner.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
          else discard = true;
          unhandled.add(eventId);
          failure = { item, error };
          break;
        }
        open = { item, eventContext, savepoint };
      }
      if (open) await close('');
      if (!discard && done.some((entry) => entry.eventContext)) {
        if (unhandled.size > 0) await this.releaseUnhandled(runner, consumer, unhandled);
        await runner.commitTransaction();
      } else {
        await runner.rollbackTransaction(); // duplicates only, or nothing: there is nothing to keep
      }
    } catch (error) {
      // The transaction itself failed (connection lost, commit refused...): nothing of it is
      // committed. The failure counts as an attempt of its first message, retried alone.
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      return { settled: 0, failure: { item: this.begin(chunk[0]), error } };
    } finally {
      await runner.release();
    }
    return { ...this.settleCommitted(done), failure };
  }

  /** The topic's handler, looked up once (Nest's lookup tries JSON.parse on the pattern and throws for a topic name, every call). */
  private handlerFor(topic: string): MessageHandler {
    let handler = this.handlerByTopic.get(topic);
    if (!handler) {
      handler = this.getHandlerByPattern(topic) as MessageHandler;
      this.handlerByTopic.set(topic, handler);
    }
    return handler;
  }

  private async runHandler(handler: MessageHandler, event: DecodedEvent, eventContext: EventContext): Promise<void> {
    const result = await handler(event.data, eventContext);
    await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
  }

  private runAfterCommitHooks(eventContext: EventContext): void {
    try {
      eventContext.runAfterCommitHooks();
    } catch (error) {
      // The effects are committed: a failing hook cannot undo them, nor make the event new again.
      this.log.error({ err: error, ...eventContext.delivery }, 'an after-commit hook failed');
    }
  }

  /** Starts the message's `process <topic>` span (parented from its headers) and duration timer, once. */
  private begin(item: DecodedItem): StartedItem {
    if (!item.span) {
      const { delivery, event } = item;
      item.parent = contextFromTraceHeaders(event.traceHeaders);
      item.span = startMessagingSpan('process', delivery.topic, item.parent, {
        'messaging.message.id': event.attributes.id,
        'messaging.consumer.group.name': delivery.consumer,
        'messaging.destination.partition.id': String(delivery.partition),
        'messaging.kafka.offset': Number(delivery.offset),
        'messaging.kafka.message.key': event.key ?? '',
        'cloudevents.event_type': event.attributes.type,
        'cloudevents.event_subject': event.attributes.subject ?? '',
      });
      item.stopTimer = this.metrics.handleDuration.startTimer({ consumer: delivery.consumer, topic: delivery.topic });
    }
    return item as StartedItem;
  }

  private settle(item: StartedItem, outcome: Outcome): void {
    item.span.setAttribute('messaging.inbox.duplicate', outcome === 'duplicate');
    this.metrics.events.inc({ consumer: item.delivery.consumer, topic: item.delivery.topic, outcome });
    this.finish(item);
  }

  private finish(item: StartedItem): void {
    item.settled = true;
    item.stopTimer();
    item.span.end();
  }

  /** A message whose first attempt (in a batch transaction) failed: the further attempts, alone, with backoff; then the DLQ. */
  private async retryAlone(item: StartedItem, error: unknown, heartbeat: () => Promise<void>): Promise<void> {
    try {
      await context.with(trace.setSpan(item.parent, item.span), () => this.consumeWithRetries(item, error, heartbeat));
    } finally {
      this.finish(item);
    }
  }

  private async consumeWithRetries(item: StartedItem, firstError: unknown, heartbeat: () => Promise<void>): Promise<void> {
    const { delivery, message, event, span } = item;
    let thrown = firstError;
    for (let attempt = 1; ; attempt += 1) {
      if (attempt > 1) {
        try {
          const outcome = await this.handleOnce(delivery, event);
          span.setAttribute('messaging.inbox.duplicate', outcome === 'duplicate');
          this.metrics.events.inc({ consumer: delivery.consumer, topic: delivery.topic, outcome });
          return;
        } catch (error) {
          thrown = error;
        }
      }
      // An app-wide exception filter that rethrows (runService's ProblemDetailsFilter does for
      // non-HTTP) hands back the RpcException that KeepHandlerErrorsInterceptor wrapped the error in.
      const error = thrown instanceof RpcException ? thrown.getError() : thrown;
      span.recordException(error as Error);
      const final = attempt >= this.retry.attempts || error instanceof NonRetryableEventError;
      if (final) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        return this.deadLetter(delivery, message, error, attempt, 'handler failed');
      }
      const delayMs = backoff(attempt, this.retry);
      this.log.warn({ err: error, ...delivery, attempt, retryInMs: delayMs }, 'event handler failed; retrying');
      await this.pause(delayMs);
      if (this.shutdown.signal.aborted) throw new Error('shutting down: the event will be redelivered', { cause: thrown });
      await heartbeat();
    }
  }

  /** Runs the handler alone in a transaction with the inbox insert; a known event id is skipped. */
  private async handleOnce(delivery: Delivery, event: DecodedEvent): Promise<Outcome> {
    const handler = this.handlerFor(delivery.topic);
    let eventContext: EventContext | undefined;
    const outcome = await this.dataSource.transaction(async (manager): Promise<Outcome> => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO messaging_inbox (consumer, event_id, topic) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [delivery.consumer, event.attributes.id, delivery.topic],
      );
      if (inserted.length === 0) return 'duplicate';
      eventContext = new EventContext(manager, event, delivery);
      await this.runHandler(handler, event, eventContext);
      // Fails if a statement of the handler failed and the handler went on: PostgreSQL would turn
      // the COMMIT of that aborted transaction into a silent ROLLBACK.
      await manager.query('SELECT 1').catch((error: unknown) => {
        throw new SwallowedStatementError(error);
      });
      return 'handled';
    });
    if (outcome === 'handled' && eventContext) this.runAfterCommitHooks(eventContext);
    return outcome;
  }

  private async deadLetter(delivery: Delivery, message: KafkaMessage, error: unknown, attempts: number, reason: string) {
    const topic = deadLetterTopic(delivery.consumer);
    await this.producer.send({
      topic,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            dlq_original_topic: delivery.topic,
            dlq_original_partition: String(delivery.partition),
            dlq_original_offset: delivery.offset,
            dlq_consumer_group: delivery.consumer,
            dlq_reason: reason,
            dlq_error: errorMessage(error).slice(0, 1_000),
            dlq_attempts: String(attempts),
            dlq_failed_at: new Date().toISOString(),
          },
        },
      ],
    });
    this.metrics.deadLetters.inc({ consumer: delivery.consumer, topic: delivery.topic });
    this.metrics.events.inc({ consumer: delivery.consumer, topic: delivery.topic, outcome: 'dead_lettered' });
    this.log.error({ err: error, ...delivery, dlq: topic, reason }, 'event moved to the dead-letter topic');
  }

  /** Backoff between attempts; cut short when the service shuts down. */
  private async pause(ms: number): Promise<void> {
    await delay(ms, undefined, { signal: this.shutdown.signal }).catch(() => undefined);
  }
}

/** The handler returned, but one of its statements had failed (the transaction is aborted): its effects cannot commit. */
class SwallowedStatementError extends Error {
  override name = 'SwallowedStatementError';

  constructor(cause: unknown) {
    super('a statement of the handler failed and the handler went on as if it had not', { cause });
  }
}

function decode(consumer: string, batch: Batch, message: KafkaMessage): Item {
  const delivery: Delivery = { consumer, topic: batch.topic, partition: batch.partition, offset: message.offset };
  try {
    return { delivery, message, event: decodeEvent(delivery.topic, message) };
  } catch (error) {
    if (!(error instanceof EventDecodeError)) throw error;
    return { delivery, message, decodeError: error };
  }
}

function backoff(attempt: number, retry: RetrySettings): number {
  const exponential = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(exponential / 2 + (Math.random() * exponential) / 2);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
