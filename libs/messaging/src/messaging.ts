import { allTopics } from '@leads/contracts';
import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { KafkaTransport, type KafkaTransportSettings } from './consumer/kafka-transport.strategy';
import { createKafka } from './kafka-client.factory';
import { MessagingMetrics } from './messaging.metrics';
import { Outbox } from './outbox/outbox';
import { OutboxRelay, type OutboxRelaySettings } from './outbox/outbox-relay';
import { ensureTopics } from './topology';

export interface MessagingSettings {
  /** The service's name: Kafka client id, CloudEvents `ce_source` (`/services/<name>`), default consumer group. */
  readonly serviceName: string;
  readonly brokers: string[];
  /** The service's own database; the relay LISTENs on it. */
  readonly databaseUrl: string;
  readonly relay?: Omit<OutboxRelaySettings, 'databaseUrl'>;
  readonly consumer?: Partial<KafkaTransportSettings>;
}

/**
 * One service's connection to the event backbone: the Kafka client, the idempotent producer,
 * the outbox and its relay, the metrics, and the factory of its consumer transport.
 */
export class Messaging {
  readonly kafka: Kafka;
  readonly producer: Producer;
  readonly outbox: Outbox;
  readonly metrics: MessagingMetrics;
  private readonly admin: Admin;
  private readonly relay: OutboxRelay;

  constructor(
    private readonly settings: MessagingSettings,
    private readonly dataSource: DataSource,
    private readonly logger: Logger,
  ) {
    this.kafka = createKafka({ brokers: settings.brokers, clientId: settings.serviceName }, logger.child({ component: 'kafkajs' }));
    this.admin = this.kafka.admin();
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.outbox = new Outbox(`/services/${settings.serviceName}`);
    this.metrics = new MessagingMetrics(this.admin, dataSource);
    this.relay = new OutboxRelay(dataSource, this.producer, this.metrics, logger.child({ component: 'outbox-relay' }), {
      databaseUrl: settings.databaseUrl,
      ...settings.relay,
    });
  }

  async start(): Promise<void> {
    await this.admin.connect();
    await ensureTopics(this.admin, allTopics);
    await this.producer.connect();
    await this.relay.start();
  }

  /** Stops the relay after its current batch, then the producer. Consumers are closed by Nest first. */
  async stop(): Promise<void> {
    await this.relay.stop();
    await this.producer.disconnect();
    await this.admin.disconnect();
  }

  /** Readiness: the broker answers a metadata request. */
  async checkBroker(): Promise<void> {
    await this.admin.describeCluster();
  }

  createTransport(settings: Partial<KafkaTransportSettings> = {}): KafkaTransport {
    return new KafkaTransport(this.kafka, this.producer, this.dataSource, this.metrics, this.logger.child({ component: 'consumer' }), {
      groupId: this.settings.serviceName,
      ...this.settings.consumer,
      ...settings,
    });
  }
}
