import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe, Scope, type RequestScope } from '@leads/service';
import { GatewayAuthGuard } from '../auth/gateway-auth.guard';
import { Downstream } from '../gateway/downstream';
import { ApiJsonResponse, problemSchema } from '../gateway/openapi';

type Query = Record<string, string>;

const notificationSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    kind: { enum: ['leads_failed', 'webhook_disabled'] },
    title: { type: 'string' },
    body: { type: 'string' },
    count: { type: 'integer', description: 'How many things it is about: the failed leads of a group (each once), else 1.' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    readAt: { type: ['string', 'null'], format: 'date-time' },
    open: { type: 'boolean', description: 'A group of failures still taking in new ones; its email goes once it closes.' },
    email: { type: 'object', properties: { status: { enum: ['pending', 'sending', 'sent', 'skipped', 'failed'] }, sentAt: { type: ['string', 'null'] } } },
    details: {
      type: 'object',
      description:
        'leads_failed: `{leads: [{leadId, stage, reason, errorCode, failedAt, retryUrl}] (the first 10), errorCodes: {code: count}, retryAllUrl}`; ' +
        'webhook_disabled: `{subscriptionId, url, consecutiveFailures, failingSince, lastError, enableUrl, deliveriesUrl}`.',
    },
  },
};

const settingsSchema = {
  type: 'object',
  properties: {
    email: {
      type: 'object',
      properties: {
        enabled: { type: 'boolean' },
        recipients: { type: ['array', 'null'], items: { type: 'string', format: 'email' }, description: 'null: the workspace owner.' },
        effectiveRecipients: { type: 'array', items: { type: 'string' }, readOnly: true },
      },
    },
  },
};

/**
 * The in-app notification feed and the notification settings, owned by the notification
 * service: the gateway authenticates, scopes to the workspace and forwards; the owner validates.
 */
@ApiTags('Notifications')
@ApiBearerAuth()
@UseGuards(GatewayAuthGuard)
@Controller('v1')
export class NotificationsController {
  constructor(private readonly downstream: Downstream) {}

  @Get('notifications')
  @ApiOperation({
    summary: 'The workspace\'s notifications, newest first, and how many are unread.',
    description:
      'Leads that fail (enrichment or AI analysis) are grouped per burst: an outage failing 500 leads is one notification with `count: 500`, ' +
      'emailed once the burst is over. Pass `nextCursor` back as `cursor` for the next page.',
  })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1-100, default 20' })
  @ApiQuery({ name: 'unread', required: false, enum: ['true', 'false'] })
  @ApiJsonResponse(200, '`{items, unread, nextCursor}`', { type: 'object', properties: { items: { type: 'array', items: notificationSchema }, unread: { type: 'integer' }, nextCursor: { type: ['string', 'null'] } } })
  @ApiJsonResponse(400, 'A bad cursor or limit', problemSchema)
  list(@Scope() scope: RequestScope, @Query() query: Query) {
    return this.downstream.notification(scope, { method: 'GET', path: '/v1/notifications', query });
  }

  @Post('notifications/read-all')
  @HttpCode(200)
  @ApiOperation({ summary: 'Marks every unread notification of the workspace read.' })
  @ApiJsonResponse(200, '`{marked}`: how many were unread.')
  readAll(@Scope() scope: RequestScope) {
    return this.downstream.notification(scope, { method: 'POST', path: '/v1/notifications/read-all' });
  }

  @Post('notifications/:id/read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Marks a notification read (a group that takes in more failures afterwards is unread again).' })
  @ApiJsonResponse(200, 'The notification', notificationSchema)
  @ApiJsonResponse(404, 'No such notification in the workspace', problemSchema)
  read(@Scope() scope: RequestScope, @Param('id', new ParseIdPipe('Notification')) id: string) {
    return this.downstream.notification(scope, { method: 'POST', path: `/v1/notifications/${id}/read` });
  }

  @Get('notification-settings')
  @ApiOperation({ summary: 'The notification channels: in-app always; email on or off, to the owner or to the recipients set.' })
  @ApiJsonResponse(200, 'The settings', settingsSchema)
  settings(@Scope() scope: RequestScope) {
    return this.downstream.notification(scope, { method: 'GET', path: '/v1/notification-settings' });
  }

  @Put('notification-settings')
  @ApiOperation({ summary: 'Sets the email channel: `{email: {enabled, recipients?}}` (1-20 addresses; left out or null: the workspace owner).' })
  @ApiJsonResponse(200, 'The settings', settingsSchema)
  @ApiJsonResponse(400, 'Invalid settings, naming the field', problemSchema)
  saveSettings(@Scope() scope: RequestScope, @Body() body: unknown) {
    return this.downstream.notification(scope, { method: 'PUT', path: '/v1/notification-settings', body });
  }
}
