export const NOTIFICATION_KINDS = ['leads_failed', 'webhook_disabled'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export type EmailStatus = 'pending' | 'sending' | 'sent' | 'skipped' | 'failed';

/** At most this many failed leads are shown in a group (in the feed and its email); `count` has them all. */
export const FAILED_LEADS_SAMPLE_SIZE = 10;

/** One failed lead as a group shows it. */
export interface FailedLead {
  readonly leadId: string;
  readonly stage: string;
  readonly reason: string;
  readonly errorCode: string;
  readonly failedAt: string;
}

/** `data` of a `leads_failed` group: a bounded sample of its leads, and how many failed with each error code. */
export interface LeadsFailedData {
  readonly sample: FailedLead[];
  readonly errorCodes: Record<string, number>;
}

/** `data` of a `webhook_disabled` notification. */
export interface WebhookDisabledData {
  readonly subscriptionId: string;
  readonly url: string;
  readonly consecutiveFailures: number;
  readonly failingSince: string;
  readonly lastError: string | null;
}

/** A row of `notifications`, as the feed and the email sender read it. */
export interface NotificationRow {
  readonly workspace_id: string;
  readonly id: string;
  readonly kind: NotificationKind;
  readonly count: number;
  readonly data: LeadsFailedData | WebhookDisabledData;
  readonly group_open: boolean;
  readonly read_at: Date | null;
  readonly email_status: EmailStatus;
  readonly emailed_at: Date | null;
  readonly created_at: Date;
  readonly updated_at: Date;
}

export const NOTIFICATION_COLUMNS = `workspace_id, id, kind, count, data, group_open, read_at, email_status, emailed_at, created_at, updated_at`;
