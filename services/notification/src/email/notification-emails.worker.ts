import { Mailer } from '@leads/mail';
import { LOGGER } from '@leads/observability';
import { SERVICE_CONFIG } from '@leads/service';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { PublicLinks, notificationEmail } from '../feed/notification.render';
import type { NotificationConfig } from '../notification.config';
import { notificationMetrics } from '../notification.metrics';
import { RecipientsStore } from '../recipients/recipients.store';
import { backoffMs } from '../shared/backoff';
import { PollingWorker } from '../shared/polling-worker';
import { NotificationEmailsStore, type ClaimedEmail, type EmailOutcome } from './notification-emails.store';

/** Emails sent at the same time by one replica. */
const CONCURRENCY = 2;
/** A claimed email's lease: well beyond the mailer's own timeouts (15 s per SMTP step). */
const LEASE_MS = 120_000;

/**
 * Sends each notification's email once it is due (a group of failures: once it has closed),
 * to the workspace's recipients of that moment, through SMTP. A refusal or an unreachable server
 * is retried with backoff up to EMAIL_MAX_ATTEMPTS; email turned off, or nobody to send to, is
 * `skipped`. The in-app notification is there either way.
 */
@Injectable()
export class NotificationEmailsWorker extends PollingWorker {
  private readonly links: PublicLinks;

  constructor(
    private readonly store: NotificationEmailsStore,
    private readonly recipients: RecipientsStore,
    private readonly mailer: Mailer,
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    super(logger, { name: 'notification-emails', concurrency: CONCURRENCY, pollIntervalMs: config.NOTIFICATION_POLL_INTERVAL_MS });
    this.links = new PublicLinks(config.PUBLIC_URL);
  }

  protected async step(): Promise<boolean> {
    const email = await this.store.claim(LEASE_MS);
    if (!email) return false;
    const outcome = await this.send(email);
    await this.store.finish(email, outcome);
    notificationMetrics.emails.inc({ outcome: outcome.status });
    const log = { notificationId: email.notification.id, workspaceId: email.notification.workspace_id, attempt: email.attempt };
    if (outcome.status === 'sent') this.logger.info(log, 'notification emailed');
    else this.logger.warn({ ...log, status: outcome.status, error: outcome.error }, 'notification email not sent');
    return true;
  }

  private async send(email: ClaimedEmail): Promise<EmailOutcome> {
    const { notification } = email;
    const audience = await this.recipients.audience(this.dataSource, notification.workspace_id);
    if (!audience.enabled) return { status: 'skipped', error: 'email notifications are turned off for the workspace' };
    if (audience.recipients.length === 0) return { status: 'skipped', error: 'no recipient: the workspace has none set and its owner is not known here' };
    const { subject, text } = notificationEmail(notification, audience.workspaceName, this.links);
    try {
      await this.mailer.send({
        to: audience.recipients,
        subject,
        text,
        headers: { 'Auto-Submitted': 'auto-generated', 'X-500Leads-Notification': notification.id },
      });
      return { status: 'sent' };
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
      if (email.attempt >= this.config.EMAIL_MAX_ATTEMPTS) return { status: 'failed', error: message };
      return { status: 'retry', error: message, delayMs: backoffMs(email.attempt, this.config.EMAIL_RETRY_BASE_MS, this.config.EMAIL_RETRY_MAX_MS) };
    }
  }
}
