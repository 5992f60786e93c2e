import { EventDecodeError, decodeEvent, findTopic, type DecodedEvent } from '@leads/contracts';
import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import { RpcException, Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { lastValueFrom } from 'rxjs';
import { setTimeout as delay } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { MessagingMetrics } from '../messaging.metrics';
import { ensureTopics, deadLetterTopic } from '../topology';
import { contextFromTraceHeaders, startMessagingSpan } from '../trace-context';
import { EventContext, NonRetryableEventError, type Delivery } from './event-context';

export interface RetrySettings {
  /** Attempts in place before a message goes to the dead-letter topic. */
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export interface KafkaTransportSettings {
  /** The consumer group of handlers that name no group of their own. */
  readonly groupId: string;
  readonly retry?: Partial<RetrySettings>;
  /** Partitions handled in parallel per consumer; order within a partition is always kept. */
  readonly partitionsConsumedConcurrently?: number;
  /** How soon a consumer that died without leaving is replaced in its group. */
  readonly sessionTimeoutMs?: number;
}

/** `@EventPattern('lead.created', { group: 'enrichment-slow' })` gives a handler its own consumer group. */
export interface EventPatternExtras {
  readonly group?: string;
}

type Outcome = 'handled' | 'duplicate';

const defaultRetry: RetrySettings = { attempts: 5, initialDelayMs: 200, maxDelayMs: 10_000 };

/**
 * A Nest transport strategy on kafkajs, so handlers stay `@EventPattern(topic)` methods.
 * Per consumer group it runs one kafkajs consumer over that group's topics, batch by batch:
 * each message is decoded (CloudEvents binary mode + protobuf), its trace context continued,
 * and its handler run in a database transaction that first records (consumer, event id) in the
 * inbox, so a redelivery has no second effect. Failures retry in place with backoff, keeping
 * the partition's order; what still fails, or cannot be decoded, goes to `<group>.dlq` with its
 * origin in headers, and the partition moves on. Offsets are committed only for messages that
 * were handled or dead-lettered.
 */
export class KafkaTransport extends Server implements CustomTransportStrategy {
  override readonly propagatesEventHandlerErrors = true;
  private readonly retry: RetrySettings;
  private readonly consumers: Consumer[] = [];
  private readonly shutdown = new AbortController();

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

  async close(): Promise<void> {
    this.shutdown.abort();
    await Promise.all(this.consumers.map((consumer) => consumer.disconnect()));
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
    await consumer.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.consumeBatch(group, payload),
    });
    this.consumers.push(consumer);
    this.log.info({ group, topics }, 'consuming');
  }

  private async consumeBatch(group: string, payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || this.shutdown.signal.aborted) return;
      const delivery: Delivery = { consumer: group, topic: batch.topic, partition: batch.partition, offset: message.offset };
      await this.consume(delivery, message, heartbeat);
      resolveOffset(message.offset);
      await heartbeat();
    }
  }

  private async consume(delivery: Delivery, message: KafkaMessage, heartbeat: () => Promise<void>): Promise<void> {
    let event: DecodedEvent;
    try {
      event = decodeEvent(delivery.topic, message);
    } catch (error) {
      if (!(error instanceof EventDecodeError)) throw error;
      return this.deadLetter(delivery, message, error, 0, `undecodable: ${error.reason}`);
    }
    const parent = contextFromTraceHeaders(event.traceHeaders);
    const span = startMessagingSpan('process', delivery.topic, parent, {
      'messaging.message.id': event.attributes.id,
      'messaging.consumer.group.name': delivery.consumer,
      'messaging.destination.partition.id': String(delivery.partition),
      'messaging.kafka.offset': Number(delivery.offset),
      'messaging.kafka.message.key': event.key ?? '',
      'cloudevents.event_type': event.attributes.type,
      'cloudevents.event_subject': event.attributes.subject ?? '',
    });
    const stopTimer = this.metrics.handleDuration.startTimer({ consumer: delivery.consumer, topic: delivery.topic });
    try {
      await context.with(trace.setSpan(parent, span), () => this.consumeWithRetries(delivery, message, event, span, heartbeat));
    } finally {
      stopTimer();
      span.end();
    }
  }

  private async consumeWithRetries(
    delivery: Delivery,
    message: KafkaMessage,
    event: DecodedEvent,
    span: ReturnType<typeof startMessagingSpan>,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const outcome = await this.handleOnce(delivery, event);
        span.setAttribute('messaging.inbox.duplicate', outcome === 'duplicate');
        this.metrics.events.inc({ consumer: delivery.consumer, topic: delivery.topic, outcome });
        return;
      } catch (thrown) {
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
  }

  /** Runs the handler in a transaction with the inbox insert; a known event id is skipped. */
  private async handleOnce(delivery: Delivery, event: DecodedEvent): Promise<Outcome> {
    const handler = this.getHandlerByPattern(delivery.topic) as MessageHandler;
    let eventContext: EventContext | undefined;
    const outcome = await this.dataSource.transaction(async (manager): Promise<Outcome> => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO messaging_inbox (consumer, event_id, topic) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [delivery.consumer, event.attributes.id, delivery.topic],
      );
      if (inserted.length === 0) return 'duplicate';
      eventContext = new EventContext(manager, event, delivery);
      const result = await handler(event.data, eventContext);
      await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
      return 'handled';
    });
    if (outcome === 'handled') eventContext?.runAfterCommitHooks();
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

function backoff(attempt: number, retry: RetrySettings): number {
  const exponential = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(exponential / 2 + (Math.random() * exponential) / 2);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
