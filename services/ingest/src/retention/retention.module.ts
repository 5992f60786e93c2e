import { retentionProvider } from '@leads/service';
import { Module } from '@nestjs/common';
import type { IngestConfig } from '../ingest.config';

/** What the gateway forgets, and when: expired sessions, and idempotency keys after IDEMPOTENCY_KEY_RETENTION_MS. */
@Module({
  providers: [
    retentionProvider((config: IngestConfig) => ({
      rules: [
        { name: 'expired sessions', table: 'sessions', due: `expires_at < $1`, keepMs: 0 },
        { name: 'idempotency keys', table: 'idempotency_keys', due: `created_at < $1`, keepMs: config.IDEMPOTENCY_KEY_RETENTION_MS },
      ],
      intervalMs: config.RETENTION_INTERVAL_MS,
    })),
  ],
})
export class RetentionModule {}
