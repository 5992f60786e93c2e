import { InternalAuthGuard, ParseIdPipe, ProblemException, SERVICE_CONFIG, Scope, conflict, notFound, type RequestScope } from '@leads/service';
import { Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, UseGuards } from '@nestjs/common';
import type { NotificationConfig } from '../notification.config';
import { WebhookDeliveriesStore, type DeliveryJson } from './webhook-deliveries.store';
import { WebhookDeliveriesWorker } from './webhook-deliveries.worker';

/** One delivery, and sending it again. */
@Controller('v1/webhook-deliveries')
@UseGuards(InternalAuthGuard)
export class WebhookDeliveriesController {
  constructor(
    private readonly deliveries: WebhookDeliveriesStore,
    private readonly worker: WebhookDeliveriesWorker,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationConfig,
  ) {}

  @Get(':id')
  async get(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Webhook delivery')) id: string): Promise<DeliveryJson> {
    const delivery = await this.deliveries.find(scope.workspaceId, id);
    if (!delivery) throw notFound('Webhook delivery');
    return delivery;
  }

  /** Due again now, with a new retry window: answered 202 with the delivery, which shows the outcome once it is sent. */
  @Post(':id/redeliver')
  @HttpCode(HttpStatus.ACCEPTED)
  async redeliver(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Webhook delivery')) id: string): Promise<DeliveryJson> {
    const result = await this.deliveries.redeliver(scope.workspaceId, id, this.config.WEBHOOK_RETRY_WINDOW_MS);
    switch (result.kind) {
      case 'not_found':
        throw notFound('Webhook delivery');
      case 'disabled':
        throw conflict('subscription-disabled', 'The subscription of this delivery is disabled: enable it first (POST /v1/webhook-subscriptions/:id/enable).');
      case 'in_progress':
        throw new ProblemException(HttpStatus.CONFLICT, 'delivery-in-progress', 'This delivery is being sent right now: wait for its outcome.');
      case 'redelivered':
        this.worker.wake();
        return result.delivery;
    }
  }
}
