import { integerSetting } from '@leads/config';
import os from 'node:os';
import path from 'node:path';
import type { ServiceConfig } from '@leads/service';
import { z } from 'zod';

/** 32 bytes in standard base64 (44 characters), as printed by `openssl rand -base64 32`. */
function isBase64Key(value: string): boolean {
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === 32 && bytes.toString('base64') === value;
}

export const ingestSettings = {
  ENRICHMENT_URL: z.url().default('http://127.0.0.1:3001'),
  SCORING_URL: z.url().default('http://127.0.0.1:3002'),
  PIPELINE_URL: z.url().default('http://127.0.0.1:3005'),
  SEQUENCES_URL: z.url().default('http://127.0.0.1:3003'),
  NOTIFICATION_URL: z.url().default('http://127.0.0.1:3004'),
  /** Where the public URLs (webhook and form endpoints) point. */
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  /**
   * Encrypts intake secrets at rest (webhook signing secrets, AES-256-GCM). Losing or changing
   * it makes every stored webhook secret unreadable: keep it stable and out of the database.
   */
  SECRETS_KEY: z.string().refine(isBase64Key, {
    error: 'must be 32 random bytes in standard base64 (44 characters), e.g. the output of `openssl rand -base64 32`',
  }),
  /**
   * How long a replica trusts an API key it has read (0: never cached). A revoked key stops
   * working at once on the replica that revoked it, and within this time on the others.
   */
  API_KEY_CACHE_SECONDS: integerSetting(0, 3600).default(10),
  /**
   * Intake group commit: transactions writing submissions at the same time. Submissions that
   * arrive while all of them run wait and share the next one (see intake/group-commit.ts).
   */
  INTAKE_BATCH_CONCURRENCY: integerSetting(1, 64).default(2),
  /** Intake group commit: the most submissions one transaction writes. */
  INTAKE_BATCH_MAX: integerSetting(1, 5000).default(256),
  /** Intake group commit: under load, how long a transaction waits for more submissions to share it (0: never). */
  INTAKE_BATCH_LINGER_MS: integerSetting(0, 100).default(1),
  /** Web forms: a submission sooner than this after the page loaded is taken for a bot. */
  FORM_MIN_FILL_MS: integerSetting(0, 60_000).default(2000),
  /** Web forms: submissions per minute per client IP per form; more get 429. */
  FORM_RATE_LIMIT_PER_MINUTE: integerSetting(1, 100_000).default(20),
  /**
   * CSV imports: where uploaded files wait for their job (deleted when it ends). With several
   * replicas this must be a volume they share: any replica's worker may run the job.
   */
  IMPORTS_DIR: z.string().min(1).default(path.join(os.tmpdir(), '500leads-imports')),
  /**
   * An `Idempotency-Key` answers replays for at least this long; then it is deleted, and the same
   * key makes a new request (as with most APIs that take one: reuse keys only for retries).
   */
  IDEMPOTENCY_KEY_RETENTION_MS: integerSetting(60_000, 365 * 24 * 3_600_000).default(24 * 3_600_000),
  /** How often expired rows (sessions, idempotency keys) are deleted. */
  RETENTION_INTERVAL_MS: integerSetting(100, 24 * 3_600_000).default(3_600_000),
  /** CSV imports: the largest accepted file, in bytes (413 beyond). */
  IMPORT_MAX_BYTES: integerSetting(1, 1024 * 1024 * 1024).default(50 * 1024 * 1024),
  /** CSV imports: the most data rows accepted in one file (400 beyond). */
  IMPORT_MAX_ROWS: integerSetting(1, 10_000_000).default(200_000),
  /** CSV imports: rows written per transaction. */
  IMPORT_BATCH_SIZE: integerSetting(1, 10_000).default(1000),
  /** CSV imports: jobs one replica runs at the same time. */
  IMPORT_WORKERS: integerSetting(0, 16).default(1),
  /** CSV imports: how often a replica looks for queued jobs (and for jobs a crashed replica left running). */
  IMPORT_POLL_INTERVAL_MS: integerSetting(10, 600_000).default(1000),
  /** The built web console served at `/` (services/console, built by `npm run build` into dist/console). */
  CONSOLE_DIR: z.string().min(1).default(path.resolve(__dirname, '../../../console')),
};

export type IngestConfig = ServiceConfig & z.infer<z.ZodObject<typeof ingestSettings>>;
