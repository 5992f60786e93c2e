import { integerSetting } from '@leads/config';
import { mailSettings } from '@leads/mail';
import type { ServiceConfig } from '@leads/service';
import { z } from 'zod';

export const sequencesSettings = {
  /** SMTP_URL (required) and MAIL_FROM (the sender of workspaces that set none). */
  ...mailSettings,
  /** The public gateway's address: unsubscribe links point to `<PUBLIC_URL>/v1/unsubscribe/<token>`. */
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  /** How often an idle scheduler looks for due steps (enrolments made on this replica wake it at once). */
  SEQUENCES_POLL_INTERVAL_MS: integerSetting(10, 600_000).default(1000),
  /** Emails one replica sends at the same time. 0: this replica enrols but does not send. */
  SEQUENCES_CONCURRENCY: integerSetting(0, 64).default(4),
  /** Attempts per step when the SMTP server fails transiently (4xx, connection errors) before the send is recorded failed. */
  SEQUENCES_SEND_MAX_ATTEMPTS: integerSetting(1, 20).default(5),
  /** Backoff between those attempts: base × 2^(n-1), capped, half fixed and half random. */
  SEQUENCES_RETRY_BASE_MS: integerSetting(1, 3_600_000).default(60_000),
  SEQUENCES_RETRY_MAX_MS: integerSetting(1, 86_400_000).default(3_600_000),
};

export type SequencesConfig = ServiceConfig & z.infer<z.ZodObject<typeof sequencesSettings>>;
