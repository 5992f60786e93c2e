import { Module } from '@nestjs/common';
import { NotificationSettingsController } from './notification-settings.controller';
import { RecipientsStore } from './recipients.store';
import { WorkspaceCreatedConsumer } from './workspace-created.consumer';

/** Who is notified: the workspace owners (from workspace.created) and the workspaces' channel settings. */
@Module({
  controllers: [NotificationSettingsController, WorkspaceCreatedConsumer],
  providers: [RecipientsStore],
  exports: [RecipientsStore],
})
export class RecipientsModule {}
