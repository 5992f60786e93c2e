import { queryRows } from '@leads/persistence';
import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { DataSource } from 'typeorm';
import { NOTIFICATION_COLUMNS, type NotificationRow } from '../feed/notification.entity';

/** A notification whose email this sender holds: its claim token proves it still does when the outcome is written. */
export interface ClaimedEmail {
  readonly notification: NotificationRow;
  /** Including the attempt starting now. */
  readonly attempt: number;
  readonly claim: string;
}

export type EmailOutcome =
  | { readonly status: 'sent' }
  | { readonly status: 'skipped' | 'failed'; readonly error: string }
  | { readonly status: 'retry'; readonly error: string; readonly delayMs: number };

/**
 * The notification emails due, on the notifications themselves: claimed with
 * `FOR UPDATE SKIP LOCKED` under a lease (a sender that dies leaves it to be claimed again once
 * the lease has run out). Claiming a group's email closes the group: the count it sends is final,
 * and the group's list of leads (kept only to count each lead once) is dropped.
 */
@Injectable()
export class NotificationEmailsStore {
  constructor(private readonly dataSource: DataSource) {}

  async claim(leaseMs: number): Promise<ClaimedEmail | undefined> {
    const claim = uuidv7();
    const [row] = await queryRows<NotificationRow & { email_attempts: number }>(
      this.dataSource,
      `WITH due AS (
         SELECT workspace_id, id FROM notifications
         WHERE email_status IN ('pending', 'sending') AND email_due_at <= now()
         ORDER BY email_due_at LIMIT 1 FOR UPDATE SKIP LOCKED
       ), closed_group AS (
         -- a closed group takes in no more leads: the list that kept each lead counted once can go
         DELETE FROM notification_leads l USING due WHERE l.workspace_id = due.workspace_id AND l.notification_id = due.id
       )
       UPDATE notifications n
       SET email_status = 'sending', email_claim = $1, email_due_at = now() + $2 * interval '1 millisecond',
           email_attempts = n.email_attempts + 1, group_open = false,
           updated_at = CASE WHEN n.group_open THEN now() ELSE n.updated_at END
       FROM due WHERE n.workspace_id = due.workspace_id AND n.id = due.id
       RETURNING ${NOTIFICATION_COLUMNS.split(', ').map((column) => `n.${column}`).join(', ')}, n.email_attempts`,
      [claim, leaseMs],
    );
    return row && { notification: row, attempt: row.email_attempts, claim };
  }

  /** Writes the outcome, unless the claim was lost (its lease ran out and another sender took it). */
  async finish(email: ClaimedEmail, outcome: EmailOutcome): Promise<void> {
    const { workspace_id: workspaceId, id } = email.notification;
    const common = [workspaceId, id, email.claim];
    if (outcome.status === 'sent') {
      await this.dataSource.query(
        `UPDATE notifications SET email_status = 'sent', emailed_at = now(), email_due_at = NULL, email_claim = NULL, email_error = NULL
         WHERE workspace_id = $1 AND id = $2 AND email_claim = $3`,
        common,
      );
    } else if (outcome.status === 'retry') {
      await this.dataSource.query(
        `UPDATE notifications SET email_status = 'pending', email_due_at = now() + $5 * interval '1 millisecond', email_claim = NULL, email_error = $4
         WHERE workspace_id = $1 AND id = $2 AND email_claim = $3`,
        [...common, outcome.error, Math.round(outcome.delayMs)],
      );
    } else {
      await this.dataSource.query(
        `UPDATE notifications SET email_status = $5, email_due_at = NULL, email_claim = NULL, email_error = $4
         WHERE workspace_id = $1 AND id = $2 AND email_claim = $3`,
        [...common, outcome.error, outcome.status],
      );
    }
  }
}
