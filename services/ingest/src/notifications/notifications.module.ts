import { Module } from '@nestjs/common';
import { NotificationsController } from './notifications.controller';
import { WebhookSubscriptionsController } from './webhook-subscriptions.controller';

/** The notification service's public API: the feed, the notification settings, outbound webhooks. */
@Module({ controllers: [NotificationsController, WebhookSubscriptionsController] })
export class NotificationsModule {}
