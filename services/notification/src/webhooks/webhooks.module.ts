import { SERVICE_CONFIG, SecretBox } from '@leads/service';
import { Module } from '@nestjs/common';
import { EmailModule } from '../email/email.module';
import { FeedModule } from '../feed/feed.module';
import type { NotificationConfig } from '../notification.config';
import { DeliverWebhook } from './deliver-webhook.usecase';
import { RecordWebhookDeliveries } from './record-webhook-deliveries.usecase';
import { WebhookDeliveriesController } from './webhook-deliveries.controller';
import { WebhookDeliveriesStore } from './webhook-deliveries.store';
import { WebhookDeliveriesWorker } from './webhook-deliveries.worker';
import { WebhookSubscriptionsController } from './webhook-subscriptions.controller';
import { WebhookSubscriptionsStore } from './webhook-subscriptions.store';

/** Outbound webhooks: subscriptions with sealed signing secrets, deliveries recorded per event, sent by a worker pool. */
@Module({
  imports: [FeedModule, EmailModule],
  controllers: [WebhookSubscriptionsController, WebhookDeliveriesController],
  providers: [
    { provide: SecretBox, inject: [SERVICE_CONFIG], useFactory: (config: NotificationConfig) => SecretBox.fromBase64(config.SECRETS_KEY) },
    WebhookSubscriptionsStore,
    WebhookDeliveriesStore,
    RecordWebhookDeliveries,
    DeliverWebhook,
    WebhookDeliveriesWorker,
  ],
  exports: [RecordWebhookDeliveries, WebhookDeliveriesWorker],
})
export class WebhooksModule {}
