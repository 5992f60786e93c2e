import { integerSetting } from '@leads/config';
import { mailSettings } from '@leads/mail';
import type { ServiceConfig } from '@leads/service';
import { z } from 'zod';

/** 32 bytes in standard base64 (44 characters), as printed by `openssl rand -base64 32`. */
function isBase64Key(value: string): boolean {
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === 32 && bytes.toString('base64') === value;
}

const HOUR_MS = 3_600_000;

export const notificationSettings = {
  ...mailSettings,
  /** The public gateway: the links in notifications and emails (retry the failed leads, the subscription to enable) point there. */
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  /**
   * Encrypts the webhook signing secrets at rest (AES-256-GCM): they must be read back to sign.
   * Losing or changing it makes every subscription's secret unreadable: keep it stable.
   */
  SECRETS_KEY: z.string().refine(isBase64Key, {
    error: 'must be 32 random bytes in standard base64 (44 characters), e.g. the output of `openssl rand -base64 32`',
  }),

  /** Failed leads are grouped: a group closes (and is emailed) once no failure has joined it for this long… */
  FAILURE_GROUP_QUIET_MS: integerSetting(0, 24 * HOUR_MS).default(5 * 60_000),
  /** …or this long after it opened, whichever comes first; later failures open a new group. */
  FAILURE_GROUP_MAX_DELAY_MS: integerSetting(0, 7 * 24 * HOUR_MS).default(30 * 60_000),

  /** Attempts per notification email (SMTP refusals, unreachable server) before it is given up. */
  EMAIL_MAX_ATTEMPTS: integerSetting(1, 100).default(8),
  /** Backoff between email attempts: base × 2^(n-1), capped, with jitter. */
  EMAIL_RETRY_BASE_MS: integerSetting(1, HOUR_MS).default(30_000),
  EMAIL_RETRY_MAX_MS: integerSetting(1, 24 * HOUR_MS).default(HOUR_MS),

  /** Webhook requests: the whole request (connect, send, response headers) must be done by then. */
  WEBHOOK_TIMEOUT_MS: integerSetting(100, 120_000).default(10_000),
  /** Backoff between a delivery's attempts: base × 2^(n-1), capped, half fixed and half random. */
  WEBHOOK_RETRY_BASE_MS: integerSetting(1, HOUR_MS).default(10_000),
  WEBHOOK_RETRY_MAX_MS: integerSetting(1, 24 * HOUR_MS).default(HOUR_MS),
  /** A delivery is retried until this long after it was created (or redelivered), then given up. */
  WEBHOOK_RETRY_WINDOW_MS: integerSetting(0, 30 * 24 * HOUR_MS).default(24 * HOUR_MS),
  /** A subscription is disabled after this many failed attempts in a row… */
  WEBHOOK_DISABLE_AFTER_FAILURES: integerSetting(1, 100_000).default(20),
  /** …once it has been failing (no success) for at least this long. */
  WEBHOOK_DISABLE_AFTER_MS: integerSetting(0, 30 * 24 * HOUR_MS).default(24 * HOUR_MS),
  /** A delivered or failed webhook delivery (with its attempts) is kept this long, then deleted. */
  WEBHOOK_DELIVERY_RETENTION_MS: integerSetting(0, 3650 * 24 * HOUR_MS).default(30 * 24 * HOUR_MS),
  /** A notification is kept this long, then deleted (with the list of its leads). */
  NOTIFICATION_RETENTION_MS: integerSetting(0, 3650 * 24 * HOUR_MS).default(90 * 24 * HOUR_MS),
  /** How often expired rows are deleted. */
  RETENTION_INTERVAL_MS: integerSetting(100, 24 * HOUR_MS).default(HOUR_MS),
  /** Webhook requests one replica runs at the same time. 0: this replica delivers nothing. */
  WEBHOOK_CONCURRENCY: integerSetting(0, 256).default(8),
  /**
   * SSRF protection: webhook URLs that are, or resolve to, loopback, private, link-local or other
   * non-public addresses are refused. `true` lifts it (local development and tests only).
   */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),

  /** How often idle workers look for due work (work recorded on this replica wakes them at once). */
  NOTIFICATION_POLL_INTERVAL_MS: integerSetting(10, 600_000).default(1000),
};

export type NotificationConfig = ServiceConfig & z.infer<z.ZodObject<typeof notificationSettings>>;
