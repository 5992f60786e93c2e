import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { allTopics } from '@leads/contracts';
import { ParseIdPipe, Scope, type RequestScope } from '@leads/service';
import { GatewayAuthGuard } from '../auth/gateway-auth.guard';
import { Downstream } from '../gateway/downstream';
import { ApiJsonResponse, problemSchema } from '../gateway/openapi';

type Query = Record<string, string>;

/** What a subscription can ask for: the lead topics of the event contract. */
const EVENT_TYPES = allTopics.filter((topic) => topic.key === 'lead id').map((topic) => topic.name);

const SIGNATURE_DOC =
  'Each delivery is a POST of `{id, type, occurredAt, workspaceId, data}` (`data`: the event in the Protobuf JSON mapping) with ' +
  '`X-500Leads-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, `X-500Leads-Event` and `X-500Leads-Delivery`. ' +
  'Answer 2xx within 10 s; anything else (redirects too) is retried with exponential backoff and jitter for 24 hours. ' +
  'Deduplicate on `id`: delivery is at least once, and not ordered.';

const subscriptionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    url: { type: 'string' },
    events: { type: 'array', items: { enum: EVENT_TYPES } },
    status: { enum: ['active', 'disabled'] },
    consecutiveFailures: { type: 'integer' },
    failingSince: { type: ['string', 'null'], format: 'date-time' },
    disabledAt: { type: ['string', 'null'], format: 'date-time' },
    disabledReason: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

const deliverySchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    subscriptionId: { type: 'string', format: 'uuid' },
    eventId: { type: 'string' },
    eventType: { type: 'string' },
    status: { enum: ['pending', 'delivering', 'delivered', 'failed'] },
    attemptCount: { type: 'integer' },
    nextAttemptAt: { type: ['string', 'null'] },
    retryUntil: { type: 'string' },
    lastAttemptAt: { type: ['string', 'null'] },
    lastStatusCode: { type: ['integer', 'null'] },
    lastError: { type: ['string', 'null'] },
    lastDurationMs: { type: ['integer', 'null'] },
    deliveredAt: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    attempts: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          number: { type: 'integer' },
          startedAt: { type: 'string' },
          durationMs: { type: 'integer' },
          outcome: { enum: ['delivered', 'http_error', 'timeout', 'network_error', 'refused_target', 'internal_error'] },
          statusCode: { type: ['integer', 'null'] },
          error: { type: ['string', 'null'] },
          responseBody: { type: ['string', 'null'], description: 'The first KiB of the answer.' },
        },
      },
    },
  },
};

/**
 * Outbound webhook subscriptions and their deliveries, owned by the notification service: the
 * gateway authenticates, scopes to the workspace and forwards; the owner validates.
 */
@ApiTags('Outbound webhooks')
@ApiBearerAuth()
@UseGuards(GatewayAuthGuard)
@Controller('v1')
export class WebhookSubscriptionsController {
  constructor(private readonly downstream: Downstream) {}

  @Post('webhook-subscriptions')
  @ApiOperation({ summary: 'Subscribes a URL to lead events. The signing secret is in this answer only.', description: SIGNATURE_DOC })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['url', 'events'],
      properties: { url: { type: 'string', description: 'http or https; not a private or loopback address' }, events: { type: 'array', items: { enum: EVENT_TYPES } } },
    },
  })
  @ApiJsonResponse(201, 'The subscription and its `secret` (`whsec_…`)', { ...subscriptionSchema, properties: { ...subscriptionSchema.properties, secret: { type: 'string' } } })
  @ApiJsonResponse(400, 'An invalid url or event type, naming the field', problemSchema)
  @ApiJsonResponse(409, 'Too many subscriptions (20 per workspace)', problemSchema)
  create(@Scope() scope: RequestScope, @Body() body: unknown) {
    return this.downstream.notification(scope, { method: 'POST', path: '/v1/webhook-subscriptions', body });
  }

  @Get('webhook-subscriptions')
  @ApiJsonResponse(200, '`{items}`, newest first', { type: 'object', properties: { items: { type: 'array', items: subscriptionSchema } } })
  list(@Scope() scope: RequestScope) {
    return this.downstream.notification(scope, { method: 'GET', path: '/v1/webhook-subscriptions' });
  }

  @Get('webhook-subscriptions/:id')
  @ApiJsonResponse(200, 'The subscription', subscriptionSchema)
  @ApiJsonResponse(404, 'No such subscription in the workspace', problemSchema)
  get(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Webhook subscription')) id: string) {
    return this.downstream.notification(scope, { method: 'GET', path: `/v1/webhook-subscriptions/${id}` });
  }

  @Delete('webhook-subscriptions/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Deletes the subscription with its delivery log.' })
  async remove(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Webhook subscription')) id: string) {
    await this.downstream.notification(scope, { method: 'DELETE', path: `/v1/webhook-subscriptions/${id}` });
  }

  @Post('webhook-subscriptions/:id/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enables a subscription that was disabled after sustained failure (its failure streak starts again from zero).' })
  @ApiJsonResponse(200, 'The subscription', subscriptionSchema)
  enable(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Webhook subscription')) id: string) {
    return this.downstream.notification(scope, { method: 'POST', path: `/v1/webhook-subscriptions/${id}/enable` });
  }

  @Get('webhook-subscriptions/:id/deliveries')
  @ApiOperation({ summary: "The subscription's delivery log, newest first: each delivery's status, attempts with status codes, timings and errors." })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1-100, default 20' })
  @ApiQuery({ name: 'status', required: false, enum: ['pending', 'delivering', 'delivered', 'failed'] })
  @ApiJsonResponse(200, '`{items, nextCursor}`', { type: 'object', properties: { items: { type: 'array', items: deliverySchema }, nextCursor: { type: ['string', 'null'] } } })
  deliveries(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Webhook subscription')) id: string, @Query() query: Query) {
    return this.downstream.notification(scope, { method: 'GET', path: `/v1/webhook-subscriptions/${id}/deliveries`, query });
  }

  @Get('webhook-deliveries/:id')
  @ApiJsonResponse(200, 'The delivery with its attempts', deliverySchema)
  delivery(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Webhook delivery')) id: string) {
    return this.downstream.notification(scope, { method: 'GET', path: `/v1/webhook-deliveries/${id}` });
  }

  @Post('webhook-deliveries/:id/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: 'Sends a delivery again (whatever became of it), now, with a new 24-hour retry window.' })
  @ApiJsonResponse(202, 'The delivery, due now', deliverySchema)
  @ApiJsonResponse(409, 'The subscription is disabled, or the delivery is being sent', problemSchema)
  redeliver(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Webhook delivery')) id: string) {
    return this.downstream.notification(scope, { method: 'POST', path: `/v1/webhook-deliveries/${id}/redeliver` });
  }
}
