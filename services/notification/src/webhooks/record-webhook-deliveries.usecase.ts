import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { TopicDefinition } from '@leads/contracts';
import { SERVICE_CONFIG } from '@leads/service';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { NotificationConfig } from '../notification.config';
import { WebhookDeliveriesStore } from './webhook-deliveries.store';
import { webhookBody, type EventEnvelope } from './webhook-payload';

/**
 * Fans a lead event out to the workspace's subscriptions that want it, in the consumer's
 * transaction (with its inbox row: a redelivered event records nothing twice). A subscription
 * receives the events that occur after it was created. Sending is left to the workers.
 */
@Injectable()
export class RecordWebhookDeliveries {
  constructor(
    private readonly deliveries: WebhookDeliveriesStore,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationConfig,
  ) {}

  /** Returns how many deliveries were recorded. */
  async execute<Desc extends DescMessage>(manager: EntityManager, topic: TopicDefinition<Desc>, data: MessageShape<Desc>, envelope: EventEnvelope): Promise<number> {
    const subscriptionIds = await this.deliveries.subscribersOf(manager, envelope.workspaceId, topic.name, new Date(envelope.time));
    if (subscriptionIds.length === 0) return 0;
    return this.deliveries.record(manager, {
      workspaceId: envelope.workspaceId,
      subscriptionIds,
      eventId: envelope.id,
      eventType: topic.name,
      body: webhookBody(topic, data, envelope),
      retryWindowMs: this.config.WEBHOOK_RETRY_WINDOW_MS,
    });
  }
}
