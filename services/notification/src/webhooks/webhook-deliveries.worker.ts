import { LOGGER } from '@leads/observability';
import { SERVICE_CONFIG } from '@leads/service';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { NotificationConfig } from '../notification.config';
import { PollingWorker } from '../shared/polling-worker';
import { DeliverWebhook } from './deliver-webhook.usecase';
import { WebhookDeliveriesStore } from './webhook-deliveries.store';

/** A claimed delivery's lease beyond its request's timeout: time to write the outcome. */
const LEASE_MARGIN_MS = 60_000;

/**
 * WEBHOOK_CONCURRENCY loops, each sending one due delivery at a time: at most that many webhook
 * requests per replica. Retries wait in the table (due later), never in a loop.
 */
@Injectable()
export class WebhookDeliveriesWorker extends PollingWorker {
  private readonly leaseMs: number;

  constructor(
    private readonly deliveries: WebhookDeliveriesStore,
    private readonly deliver: DeliverWebhook,
    @Inject(SERVICE_CONFIG) config: NotificationConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    super(logger, { name: 'webhook-deliveries', concurrency: config.WEBHOOK_CONCURRENCY, pollIntervalMs: config.NOTIFICATION_POLL_INTERVAL_MS });
    this.leaseMs = config.WEBHOOK_TIMEOUT_MS + LEASE_MARGIN_MS;
  }

  protected async step(signal: AbortSignal): Promise<boolean> {
    const delivery = await this.deliveries.claim(this.leaseMs);
    if (!delivery) return false;
    await this.deliver.run(delivery, signal);
    return true;
  }
}
