import { InternalAuthGuard, ParseIdPipe, SERVICE_CONFIG, Scope, ZodValidationPipe, notFound, type RequestScope } from '@leads/service';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { NotificationConfig } from '../notification.config';
import { toPage } from '../shared/request.schema';
import { WebhookDeliveriesStore, type DeliveryJson } from './webhook-deliveries.store';
import { createSubscriptionBody, deliveriesQuery, type CreateSubscriptionBody, type DeliveriesQuery } from './webhook-subscription.schema';
import { WebhookSubscriptionsStore, toSubscriptionJson, type CreatedSubscription, type SubscriptionJson } from './webhook-subscriptions.store';

/** Outbound webhook subscriptions of the workspace, and each one's delivery log. */
@Controller('v1/webhook-subscriptions')
@UseGuards(InternalAuthGuard)
export class WebhookSubscriptionsController {
  private readonly validateCreate: ZodValidationPipe<ReturnType<typeof createSubscriptionBody>>;

  constructor(
    private readonly subscriptions: WebhookSubscriptionsStore,
    private readonly deliveries: WebhookDeliveriesStore,
    @Inject(SERVICE_CONFIG) config: NotificationConfig,
  ) {
    this.validateCreate = new ZodValidationPipe(createSubscriptionBody(config.WEBHOOK_ALLOW_PRIVATE_TARGETS));
  }

  /** 201 with the signing secret, shown this once. Private targets are refused unless WEBHOOK_ALLOW_PRIVATE_TARGETS, hence a pipe built from the config. */
  @Post()
  create(@Scope() scope: RequestScope, @Body() body: unknown): Promise<CreatedSubscription> {
    const input: CreateSubscriptionBody = this.validateCreate.transform(body);
    return this.subscriptions.create(scope.workspaceId, input);
  }

  @Get()
  async list(@Scope() scope: RequestScope): Promise<{ items: SubscriptionJson[] }> {
    return { items: (await this.subscriptions.list(scope.workspaceId)).map(toSubscriptionJson) };
  }

  @Get(':id')
  async get(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Webhook subscription')) id: string): Promise<SubscriptionJson> {
    const row = await this.subscriptions.find(scope.workspaceId, id);
    if (!row) throw notFound('Webhook subscription');
    return toSubscriptionJson(row);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Webhook subscription')) id: string): Promise<void> {
    if (!(await this.subscriptions.delete(scope.workspaceId, id))) throw notFound('Webhook subscription');
  }

  @Post(':id/enable')
  @HttpCode(200)
  async enable(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Webhook subscription')) id: string): Promise<SubscriptionJson> {
    const row = await this.subscriptions.enable(scope.workspaceId, id);
    if (!row) throw notFound('Webhook subscription');
    return toSubscriptionJson(row);
  }

  @Get(':id/deliveries')
  async deliveryLog(
    @Scope() scope: RequestScope,
    @Param('id', new ParseIdPipe('Webhook subscription')) id: string,
    @Query(new ZodValidationPipe(deliveriesQuery)) query: DeliveriesQuery,
  ): Promise<{ items: DeliveryJson[]; nextCursor: string | null }> {
    if (!(await this.subscriptions.find(scope.workspaceId, id))) throw notFound('Webhook subscription');
    return toPage(await this.deliveries.list(scope.workspaceId, id, { ...query, limit: query.limit + 1 }), query.limit);
  }
}
