import { retentionProvider } from '@leads/service';
import { Module } from '@nestjs/common';
import type { NotificationConfig } from '../notification.config';

/**
 * What the service forgets, and when: finished webhook deliveries (with their attempts) after
 * WEBHOOK_DELIVERY_RETENTION_MS, notifications after NOTIFICATION_RETENTION_MS (an email still
 * to send keeps its notification).
 */
@Module({
  providers: [
    retentionProvider((config: NotificationConfig) => ({
      rules: [
        {
          name: 'webhook deliveries',
          table: 'webhook_deliveries',
          due: `status IN ('delivered', 'failed') AND updated_at < $1`,
          keepMs: config.WEBHOOK_DELIVERY_RETENTION_MS,
        },
        { name: 'notifications', table: 'notifications', due: `email_status NOT IN ('pending', 'sending') AND created_at < $1`, keepMs: config.NOTIFICATION_RETENTION_MS },
      ],
      intervalMs: config.RETENTION_INTERVAL_MS,
    })),
  ],
})
export class RetentionModule {}
