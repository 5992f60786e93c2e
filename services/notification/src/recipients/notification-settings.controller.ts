import { InternalAuthGuard, Scope, ZodValidationPipe, type RequestScope } from '@leads/service';
import { Body, Controller, Get, Put, UseGuards } from '@nestjs/common';
import { notificationSettingsBody, type NotificationSettingsBody } from './notification-settings.schema';
import { RecipientsStore, type NotificationSettingsJson } from './recipients.store';

/** The workspace's notification channels: in-app always, email on or off and to whom. */
@Controller('v1/notification-settings')
@UseGuards(InternalAuthGuard)
export class NotificationSettingsController {
  constructor(private readonly store: RecipientsStore) {}

  @Get()
  get(@Scope() scope: RequestScope): Promise<NotificationSettingsJson> {
    return this.store.settings(scope.workspaceId);
  }

  @Put()
  put(@Scope() scope: RequestScope, @Body(new ZodValidationPipe(notificationSettingsBody)) body: NotificationSettingsBody): Promise<NotificationSettingsJson> {
    return this.store.saveSettings(scope.workspaceId, { enabled: body.email.enabled, recipients: body.email.recipients ?? null });
  }
}
