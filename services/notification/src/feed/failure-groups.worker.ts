import { LOGGER } from '@leads/observability';
import { SERVICE_CONFIG } from '@leads/service';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { NotificationConfig } from '../notification.config';
import { PollingWorker } from '../shared/polling-worker';
import { GroupLeadFailures } from './group-lead-failures.usecase';

/** Folds queued failures into groups as they come (woken by the consumer after its commit). */
@Injectable()
export class FailureGroupsWorker extends PollingWorker {
  constructor(
    private readonly groups: GroupLeadFailures,
    @Inject(SERVICE_CONFIG) config: NotificationConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    super(logger, { name: 'failure-groups', concurrency: 1, pollIntervalMs: config.NOTIFICATION_POLL_INTERVAL_MS });
  }

  protected step(): Promise<boolean> {
    return this.groups.foldNext();
  }
}
