import { LOGGER } from '@leads/observability';
import { RetentionSchedule } from '@leads/persistence';
import { SERVICE_CONFIG } from '@leads/service';
import { Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { NotificationConfig } from '../notification.config';

/**
 * What the service forgets, and when: finished webhook deliveries (with their attempts) after
 * WEBHOOK_DELIVERY_RETENTION_MS, notifications after NOTIFICATION_RETENTION_MS (an email still
 * to send keeps its notification).
 */
@Module({
  providers: [
    {
      provide: RetentionSchedule,
      inject: [DataSource, SERVICE_CONFIG, LOGGER],
      useFactory: (dataSource: DataSource, config: NotificationConfig, logger: Logger) =>
        new RetentionSchedule(
          dataSource,
          [
            {
              name: 'webhook deliveries',
              table: 'webhook_deliveries',
              due: `status IN ('delivered', 'failed') AND updated_at < $1`,
              keepMs: config.WEBHOOK_DELIVERY_RETENTION_MS,
            },
            { name: 'notifications', table: 'notifications', due: `email_status NOT IN ('pending', 'sending') AND created_at < $1`, keepMs: config.NOTIFICATION_RETENTION_MS },
          ],
          config.RETENTION_INTERVAL_MS,
          logger,
        ),
    },
  ],
})
export class RetentionModule {}
