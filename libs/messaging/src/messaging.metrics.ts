import type { Admin } from 'kafkajs';
import { defineCounter, defineGauge, defineHistogram } from '@leads/observability';
import type { Counter, Histogram } from 'prom-client';
import type { DataSource } from 'typeorm';

/** Messaging metrics on the service's Prometheus registry: lag, outbox backlog, DLQ, outcomes. */
export class MessagingMetrics {
  readonly events: Counter<'consumer' | 'topic' | 'outcome'>;
  readonly deadLetters: Counter<'consumer' | 'topic'>;
  readonly handleDuration: Histogram<'consumer' | 'topic'>;
  readonly published: Counter<'topic'>;
  private consumerGroups: string[] = [];

  constructor(admin: Admin, dataSource: DataSource) {
    const groups = () => this.consumerGroups;
    this.events = defineCounter({
      name: 'messaging_events_total',
      help: 'Events taken from Kafka by outcome: handled, duplicate (skipped by the inbox), dead_lettered',
      labelNames: ['consumer', 'topic', 'outcome'],
    });
    this.deadLetters = defineCounter({
      name: 'messaging_dead_letters_total',
      help: 'Events sent to the dead-letter topic <consumer>.dlq',
      labelNames: ['consumer', 'topic'],
    });
    this.handleDuration = defineHistogram({
      name: 'messaging_handle_duration_seconds',
      help: 'Time to handle one event, retries included (in a batch transaction: until that transaction commits)',
      labelNames: ['consumer', 'topic'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    this.published = defineCounter({
      name: 'messaging_outbox_published_total',
      help: 'Events copied from the outbox to Kafka',
      labelNames: ['topic'],
    });
    defineGauge({
      name: 'messaging_outbox_backlog',
      help: 'Outbox rows not yet published to Kafka',
      async collect() {
        const [row] = await dataSource.query(
          `SELECT count(*)::int AS pending FROM messaging_outbox_queue`,
        );
        this.set(row.pending);
      },
    });
    defineGauge({
      name: 'messaging_consumer_lag',
      help: 'Messages behind the end of each partition, per consumer group',
      labelNames: ['consumer', 'topic', 'partition'],
      async collect() {
        this.reset();
        for (const groupId of groups()) {
          for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
            const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
            for (const { partition, offset } of partitions) {
              const committed = Number(offset) < 0 ? 0 : Number(offset);
              this.set({ consumer: groupId, topic, partition: String(partition) }, (ends.get(partition) ?? 0) - committed);
            }
          }
        }
      },
    });
  }

  trackConsumerGroups(groups: string[]): void {
    this.consumerGroups = groups;
  }
}
