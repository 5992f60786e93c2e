import type { ServiceDefinition } from '@leads/service';
import { NotificationTables1764400000000 } from '../migrations/1764400000000-notification-tables.migration';
import { RetentionIndexes1764500000000 } from '../migrations/1764500000000-retention-indexes.migration';
import { EmailModule } from './email/email.module';
import { EventsModule } from './events/events.module';
import { FeedModule } from './feed/feed.module';
import { notificationSettings } from './notification.config';
import { RecipientsModule } from './recipients/recipients.module';
import { RetentionModule } from './retention/retention.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/**
 * Tells workspaces what happened: an in-app feed (failed leads grouped per burst, disabled
 * webhooks), the same by email to the workspace's recipients, and outbound webhooks of the lead
 * events, signed, retried with backoff, logged and redeliverable. Internal API: called by the
 * ingest gateway only.
 */
export const notificationService: ServiceDefinition<typeof notificationSettings> = {
  name: 'notification',
  defaultPort: 3004,
  config: notificationSettings,
  migrations: [NotificationTables1764400000000, RetentionIndexes1764500000000],
  imports: () => [RecipientsModule, FeedModule, EmailModule, WebhooksModule, EventsModule, RetentionModule],
  consumesEvents: true,
};
