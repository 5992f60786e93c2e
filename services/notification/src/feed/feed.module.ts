import { Module } from '@nestjs/common';
import { FailureGroupsWorker } from './failure-groups.worker';
import { GroupLeadFailures } from './group-lead-failures.usecase';
import { NotificationsController } from './notifications.controller';
import { NotificationsStore } from './notifications.store';
import { RecordLeadFailure } from './record-lead-failure.usecase';

/** The in-app feed: groups of failed leads (queued by the consumer, folded by the worker) and single notifications. */
@Module({
  controllers: [NotificationsController],
  providers: [NotificationsStore, RecordLeadFailure, GroupLeadFailures, FailureGroupsWorker],
  exports: [NotificationsStore, RecordLeadFailure, FailureGroupsWorker],
})
export class FeedModule {}
