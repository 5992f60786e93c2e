import { queryRows } from '@leads/persistence';
import { SIGNATURE_HEADER, signatureHeader } from '@leads/contracts';
import { LOGGER } from '@leads/observability';
import { SERVICE_CONFIG, SecretBox } from '@leads/service';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { NotificationEmailsWorker } from '../email/notification-emails.worker';
import { NotificationsStore } from '../feed/notifications.store';
import type { NotificationConfig } from '../notification.config';
import { notificationMetrics } from '../notification.metrics';
import { backoffMs } from '../shared/backoff';
import { WebhookDeliveriesStore, type ClaimedDelivery, type DeliveryNext } from './webhook-deliveries.store';
import { secretContext } from './webhook-subscriptions.store';
import { sendWebhook, type AttemptResult } from './webhook-sender';

export const EVENT_HEADER = 'x-500leads-event';
export const DELIVERY_HEADER = 'x-500leads-delivery';

interface Disabled {
  url: string;
  consecutive_failures: number;
  failing_since: Date;
}

/**
 * One attempt of a claimed delivery: signed with the subscription's secret
 * (`X-500Leads-Signature: t=<unix>,v1=<HMAC-SHA256 of "t.body">`, fresh `t` each attempt) and
 * POSTed; then, in one transaction, the attempt's record, the delivery's new state (delivered, due
 * again after a backoff, or given up once the retry window is spent) and the subscription's
 * failure streak. A subscription failing WEBHOOK_DISABLE_AFTER_FAILURES times in a row over at
 * least WEBHOOK_DISABLE_AFTER_MS is disabled, its pending deliveries given up, and the workspace
 * notified (in-app and email).
 */
@Injectable()
export class DeliverWebhook {
  constructor(
    private readonly dataSource: DataSource,
    private readonly deliveries: WebhookDeliveriesStore,
    private readonly notifications: NotificationsStore,
    private readonly emails: NotificationEmailsWorker,
    private readonly box: SecretBox,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async run(delivery: ClaimedDelivery, signal: AbortSignal): Promise<void> {
    const startedAt = new Date();
    const result = await this.attempt(delivery, signal);
    if (result.outcome === 'aborted') {
      await this.deliveries.release(delivery);
      return;
    }
    notificationMetrics.webhookAttempts.inc({ outcome: result.outcome });
    notificationMetrics.webhookDuration.observe({ outcome: result.outcome }, result.durationMs / 1000);
    const next = this.nextState(delivery, result);
    const written = await this.dataSource.transaction(async (manager) => {
      if (!(await this.deliveries.finish(manager, delivery, startedAt, result, next))) return undefined;
      return this.updateStreak(manager, delivery, result);
    });
    const log = { deliveryId: delivery.id, subscriptionId: delivery.subscriptionId, workspaceId: delivery.workspaceId, attempt: delivery.attempt };
    if (!written) {
      this.logger.warn(log, 'webhook delivery was claimed again by another worker (lease ran out); this attempt is not recorded');
      return;
    }
    if (next.status !== 'pending') notificationMetrics.webhookDeliveries.inc({ outcome: next.status === 'delivered' ? 'delivered' : 'gave_up' });
    if (result.outcome !== 'delivered') this.logger.info({ ...log, outcome: result.outcome, statusCode: result.statusCode, next: next.status }, 'webhook attempt failed');
    if (written.givenUp > 0) notificationMetrics.webhookDeliveries.inc({ outcome: 'subscription_disabled' }, written.givenUp);
    if (written.disabled) {
      notificationMetrics.subscriptionsDisabled.inc();
      notificationMetrics.notificationsCreated.inc({ kind: 'webhook_disabled' });
      this.logger.warn(log, 'webhook subscription disabled after sustained failure; the workspace is notified');
      this.emails.wake();
    }
  }

  private async attempt(delivery: ClaimedDelivery, signal: AbortSignal): Promise<AttemptResult> {
    let secret: string;
    try {
      secret = this.box.open(delivery.secretSealed, secretContext(delivery.subscriptionId));
    } catch {
      // Never sent unsigned. The secret's key is gone: an operator matter (SECRETS_KEY changed).
      this.logger.error({ subscriptionId: delivery.subscriptionId }, 'the signing secret of a webhook subscription cannot be opened with SECRETS_KEY');
      return { outcome: 'internal_error', statusCode: null, durationMs: 0, error: 'the delivery could not be signed (a server-side problem)', responseBody: null };
    }
    return sendWebhook(
      {
        url: delivery.url,
        body: delivery.body,
        headers: { [SIGNATURE_HEADER]: signatureHeader(secret, delivery.body), [EVENT_HEADER]: delivery.eventType, [DELIVERY_HEADER]: delivery.id },
      },
      { timeoutMs: this.config.WEBHOOK_TIMEOUT_MS, allowPrivateTargets: this.config.WEBHOOK_ALLOW_PRIVATE_TARGETS, signal },
    );
  }

  /** Delivered; else due again after a backoff, unless that is past the retry window. */
  private nextState(delivery: ClaimedDelivery, result: AttemptResult): DeliveryNext {
    if (result.outcome === 'delivered') return { status: 'delivered' };
    const retryInMs = backoffMs(delivery.attempt, this.config.WEBHOOK_RETRY_BASE_MS, this.config.WEBHOOK_RETRY_MAX_MS);
    return Date.now() + retryInMs > delivery.retryUntil.getTime() ? { status: 'failed' } : { status: 'pending', retryInMs };
  }

  /** Resets or extends the subscription's failure streak; `disabled` when this failure disabled it (with how many pending deliveries were given up). */
  private async updateStreak(manager: EntityManager, delivery: ClaimedDelivery, result: AttemptResult): Promise<{ disabled: boolean; givenUp: number }> {
    const key = [delivery.workspaceId, delivery.subscriptionId];
    if (result.outcome === 'delivered') {
      await manager.query(
        `UPDATE webhook_subscriptions SET consecutive_failures = 0, failing_since = NULL
         WHERE workspace_id = $1 AND id = $2 AND (consecutive_failures > 0 OR failing_since IS NOT NULL)`,
        key,
      );
      return { disabled: false, givenUp: 0 };
    }
    const [streak] = await queryRows<{ status: 'active' | 'disabled' }>(
      manager,
      `UPDATE webhook_subscriptions SET consecutive_failures = consecutive_failures + 1, failing_since = coalesce(failing_since, now())
       WHERE workspace_id = $1 AND id = $2 RETURNING status`,
      key,
    );
    if (streak?.status === 'disabled') {
      // Disabled while this attempt was under way (by another delivery's failure): no retry either.
      return { disabled: false, givenUp: await this.deliveries.giveUpPending(manager, delivery.workspaceId, delivery.subscriptionId) };
    }
    const [disabled] = await queryRows<Disabled>(
      manager,
      `UPDATE webhook_subscriptions
       SET status = 'disabled', disabled_at = now(), updated_at = now(),
           disabled_reason = consecutive_failures || ' failed attempts in a row since ' || to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ' (last: ' || $5 || ')'
       WHERE workspace_id = $1 AND id = $2 AND status = 'active'
         AND consecutive_failures >= $3 AND failing_since <= now() - $4 * interval '1 millisecond'
       RETURNING url, consecutive_failures, failing_since`,
      [...key, this.config.WEBHOOK_DISABLE_AFTER_FAILURES, this.config.WEBHOOK_DISABLE_AFTER_MS, result.error ?? result.outcome],
    );
    if (!disabled) return { disabled: false, givenUp: 0 };
    const givenUp = await this.deliveries.giveUpPending(manager, delivery.workspaceId, delivery.subscriptionId);
    await this.notifications.createSingle(manager, delivery.workspaceId, 'webhook_disabled', {
      subscriptionId: delivery.subscriptionId,
      url: disabled.url,
      consecutiveFailures: disabled.consecutive_failures,
      failingSince: disabled.failing_since.toISOString(),
      lastError: result.error,
    });
    return { disabled: true, givenUp };
  }
}
