import { LOGGER } from '@leads/observability';
import { RetentionSchedule } from '@leads/persistence';
import { SERVICE_CONFIG } from '@leads/service';
import { Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { IngestConfig } from '../ingest.config';

/** What the gateway forgets, and when: expired sessions, and idempotency keys after IDEMPOTENCY_KEY_RETENTION_MS. */
@Module({
  providers: [
    {
      provide: RetentionSchedule,
      inject: [DataSource, SERVICE_CONFIG, LOGGER],
      useFactory: (dataSource: DataSource, config: IngestConfig, logger: Logger) =>
        new RetentionSchedule(
          dataSource,
          [
            { name: 'expired sessions', table: 'sessions', due: `expires_at < $1`, keepMs: 0 },
            { name: 'idempotency keys', table: 'idempotency_keys', due: `created_at < $1`, keepMs: config.IDEMPOTENCY_KEY_RETENTION_MS },
          ],
          config.RETENTION_INTERVAL_MS,
          logger,
        ),
    },
  ],
})
export class RetentionModule {}
