import { queryRows } from '@leads/persistence';
import { SERVICE_CONFIG } from '@leads/service';
import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { DataSource, type EntityManager } from 'typeorm';
import type { NotificationConfig } from '../notification.config';
import { notificationMetrics } from '../notification.metrics';
import { EMPTY_GROUP, firstPerLead, joinGroup } from './failure-group.rules';
import type { FailedLead, LeadsFailedData } from './notification.entity';

/** Queued failures of one workspace folded into its group per transaction, at most. */
const BATCH_SIZE = 1000;

interface QueuedFailure {
  /** bigint: a string. */
  id: string;
  lead_id: string;
  stage: string;
  reason: string;
  error_code: string;
  failed_at: Date;
}

interface OpenGroup {
  id: string;
  data: LeadsFailedData;
  created: boolean;
}

/**
 * Folds queued `lead.failed` events into the workspace's open group of failures, one workspace
 * per transaction: an outage that fails 500 leads is one notification with a count of 500.
 *
 * A group takes in failures until it closes: `FAILURE_GROUP_QUIET_MS` after the latest one, but
 * no later than `FAILURE_GROUP_MAX_DELAY_MS` after it opened (times of this service's processing,
 * so that a backlog read after a pause still makes one group). The email sender closes it when it
 * sends its email, with the final count; a group whose time is up is also closed here before the
 * next failure opens a new one. There is one open group per workspace (a partial unique index),
 * so replicas folding failures of the same workspace take turns on its row.
 */
@Injectable()
export class GroupLeadFailures {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationConfig,
  ) {}

  /** Folds the queued failures of one workspace; false when none are queued (or all are taken by other replicas). */
  async foldNext(): Promise<boolean> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const [next] = await queryRows<{ workspace_id: string }>(manager, `SELECT workspace_id FROM lead_failures ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`);
      if (!next) return undefined;
      const failures = await queryRows<QueuedFailure>(
        manager,
        `DELETE FROM lead_failures WHERE id IN (
           SELECT id FROM lead_failures WHERE workspace_id = $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING id, lead_id, stage, reason, error_code, failed_at`,
        [next.workspace_id, BATCH_SIZE],
      );
      // Never empty (the row locked above is among them), but an empty batch must not open a group.
      return failures.length ? this.fold(manager, next.workspace_id, failures) : undefined;
    });
    if (!outcome) return false;
    if (outcome.created) notificationMetrics.notificationsCreated.inc({ kind: 'leads_failed' });
    notificationMetrics.failedLeadsGrouped.inc({ result: 'new' }, outcome.newLeads);
    notificationMetrics.failedLeadsGrouped.inc({ result: 'repeat' }, outcome.failures - outcome.newLeads);
    return true;
  }

  private async fold(manager: EntityManager, workspaceId: string, queued: QueuedFailure[]) {
    // DELETE … RETURNING gives no order: the queue's order is the ids'.
    const failures = firstPerLead(
      [...queued]
        .sort((a, b) => Number(a.id) - Number(b.id))
        .map((row): FailedLead => ({ leadId: row.lead_id, stage: row.stage, reason: row.reason, errorCode: row.error_code, failedAt: row.failed_at.toISOString() })),
    );
    const group = await this.openGroup(manager, workspaceId);
    const joined = await queryRows<{ lead_id: string }>(
      manager,
      `INSERT INTO notification_leads (workspace_id, notification_id, lead_id) SELECT $1, $2, unnest($3::uuid[])
       ON CONFLICT DO NOTHING RETURNING lead_id`,
      [workspaceId, group.id, failures.map((failure) => failure.leadId)],
    );
    const joinedIds = new Set(joined.map((row) => row.lead_id));
    const newLeads = failures.filter((failure) => joinedIds.has(failure.leadId));
    // Every failure, new lead or not, is part of the burst: the group stays open for the quiet time after it.
    await manager.query(
      `UPDATE notifications
       SET count = count + $3, data = $4,
           closes_at = least(now() + $5 * interval '1 millisecond', created_at + $6 * interval '1 millisecond'),
           email_due_at = least(now() + $5 * interval '1 millisecond', created_at + $6 * interval '1 millisecond'),
           read_at = CASE WHEN $3 > 0 THEN NULL ELSE read_at END,
           updated_at = now()
       WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, group.id, newLeads.length, JSON.stringify(joinGroup(group.data, newLeads)), this.config.FAILURE_GROUP_QUIET_MS, this.config.FAILURE_GROUP_MAX_DELAY_MS],
    );
    return { created: group.created, newLeads: newLeads.length, failures: queued.length };
  }

  /** The workspace's open group, locked; a new one when there is none (or its time is up). */
  private async openGroup(manager: EntityManager, workspaceId: string): Promise<OpenGroup> {
    await manager.query(
      `UPDATE notifications SET group_open = false, updated_at = now()
       WHERE workspace_id = $1 AND kind = 'leads_failed' AND group_open AND closes_at <= now()`,
      [workspaceId],
    );
    // Two rounds at most: the open group may be closed by the email sender between the two statements.
    for (let round = 0; round < 3; round += 1) {
      const [open] = await queryRows<{ id: string; data: LeadsFailedData }>(
        manager,
        `SELECT id, data FROM notifications WHERE workspace_id = $1 AND kind = 'leads_failed' AND group_open FOR UPDATE`,
        [workspaceId],
      );
      if (open) return { id: open.id, data: open.data, created: false };
      const [created] = await queryRows<{ id: string }>(
        manager,
        `INSERT INTO notifications (workspace_id, id, kind, count, data, group_open, closes_at, email_status, email_due_at)
         VALUES ($1, $2, 'leads_failed', 0, $3, true, now(), 'pending', now())
         ON CONFLICT (workspace_id, kind) WHERE group_open DO NOTHING RETURNING id`,
        [workspaceId, uuidv7(), JSON.stringify(EMPTY_GROUP)],
      );
      if (created) return { id: created.id, data: EMPTY_GROUP, created: true };
    }
    throw new Error(`could not open a group of failures for workspace ${workspaceId}`);
  }
}
