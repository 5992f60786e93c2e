import { queryRows } from '@leads/persistence';
import { randomBytes } from 'node:crypto';
import { SecretBox, conflict } from '@leads/service';
import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { DataSource } from 'typeorm';
import type { CreateSubscriptionBody } from './webhook-subscription.schema';

/** Bounds one event's fan-out, and the work one workspace can put on the delivery workers. */
export const MAX_SUBSCRIPTIONS_PER_WORKSPACE = 20;

export interface SubscriptionRow {
  readonly workspace_id: string;
  readonly id: string;
  readonly url: string;
  readonly events: string[];
  readonly status: 'active' | 'disabled';
  readonly consecutive_failures: number;
  readonly failing_since: Date | null;
  readonly disabled_at: Date | null;
  readonly disabled_reason: string | null;
  readonly created_at: Date;
  readonly updated_at: Date;
}

export interface SubscriptionJson {
  readonly id: string;
  readonly url: string;
  readonly events: string[];
  readonly status: 'active' | 'disabled';
  /** Failed attempts in a row (0 after any success). */
  readonly consecutiveFailures: number;
  readonly failingSince: string | null;
  readonly disabledAt: string | null;
  readonly disabledReason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface CreatedSubscription extends SubscriptionJson {
  /** Shown only in this response: kept encrypted, it signs every delivery. */
  readonly secret: string;
}

export const SUBSCRIPTION_COLUMNS =
  'workspace_id, id, url, events, status, consecutive_failures, failing_since, disabled_at, disabled_reason, created_at, updated_at';

/** The AAD a subscription's sealed secret is bound to. */
export const secretContext = (subscriptionId: string) => `webhook-subscription-secret:${subscriptionId}`;

const newSigningSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

export function toSubscriptionJson(row: SubscriptionRow): SubscriptionJson {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    status: row.status,
    consecutiveFailures: row.consecutive_failures,
    failingSince: row.failing_since?.toISOString() ?? null,
    disabledAt: row.disabled_at?.toISOString() ?? null,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** A workspace's outbound webhook subscriptions; every query is scoped to it. */
@Injectable()
export class WebhookSubscriptionsStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
  ) {}

  /** A new subscription and its signing secret, which is returned here only. */
  async create(workspaceId: string, input: CreateSubscriptionBody): Promise<CreatedSubscription> {
    const id = uuidv7();
    const secret = newSigningSecret();
    const row = await this.dataSource.transaction(async (manager) => {
      // Creations of one workspace take turns, so that the limit holds.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('webhook-subscriptions:' || $1, 0))`, [workspaceId]);
      const [{ count }] = await queryRows<{ count: number }>(manager, `SELECT count(*)::int AS count FROM webhook_subscriptions WHERE workspace_id = $1`, [
        workspaceId,
      ]);
      if (count >= MAX_SUBSCRIPTIONS_PER_WORKSPACE) {
        throw conflict('too-many-subscriptions', `A workspace can have ${MAX_SUBSCRIPTIONS_PER_WORKSPACE} webhook subscriptions: delete one first.`);
      }
      const [inserted] = await queryRows<SubscriptionRow>(
        manager,
        `INSERT INTO webhook_subscriptions (workspace_id, id, url, events, secret_sealed) VALUES ($1, $2, $3, $4, $5) RETURNING ${SUBSCRIPTION_COLUMNS}`,
        [workspaceId, id, input.url, input.events, this.box.seal(secret, secretContext(id))],
      );
      return inserted;
    });
    return { ...toSubscriptionJson(row), secret };
  }

  /** Newest first. */
  async list(workspaceId: string): Promise<SubscriptionRow[]> {
    return queryRows<SubscriptionRow>(
      this.dataSource,
      `SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC`,
      [workspaceId],
    );
  }

  async find(workspaceId: string, id: string): Promise<SubscriptionRow | undefined> {
    const [row] = await queryRows<SubscriptionRow>(this.dataSource, `SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      id,
    ]);
    return row;
  }

  /** Deletes it with its deliveries; false when the workspace has no such subscription. */
  async delete(workspaceId: string, id: string): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(this.dataSource, `DELETE FROM webhook_subscriptions WHERE workspace_id = $1 AND id = $2 RETURNING id`, [
      workspaceId,
      id,
    ]);
    return rows.length > 0;
  }

  /** A disabled subscription active again, its failure streak forgotten (an active one is left as it is); undefined when the workspace has no such subscription. */
  async enable(workspaceId: string, id: string): Promise<SubscriptionRow | undefined> {
    const [row] = await queryRows<SubscriptionRow>(
      this.dataSource,
      `UPDATE webhook_subscriptions
       SET status = 'active', consecutive_failures = 0, failing_since = NULL, disabled_at = NULL, disabled_reason = NULL, updated_at = now()
       WHERE workspace_id = $1 AND id = $2 AND status = 'disabled' RETURNING ${SUBSCRIPTION_COLUMNS}`,
      [workspaceId, id],
    );
    return row ?? this.find(workspaceId, id);
  }
}
