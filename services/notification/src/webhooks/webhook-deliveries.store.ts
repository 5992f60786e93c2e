import { queryRows } from '@leads/persistence';
import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { DataSource, type EntityManager } from 'typeorm';
import type { PagePosition } from '../shared/request.schema';
import type { AttemptOutcome, AttemptResult } from './webhook-sender';

export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'failed';

interface DeliveryRow {
  workspace_id: string;
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: Date | null;
  retry_until: Date;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  last_duration_ms: number | null;
  delivered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface AttemptRow {
  delivery_id: string;
  number: number;
  started_at: Date;
  duration_ms: number;
  outcome: AttemptOutcome;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
}

export interface AttemptJson {
  readonly number: number;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly outcome: AttemptOutcome;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly responseBody: string | null;
}

export interface DeliveryJson {
  readonly id: string;
  readonly subscriptionId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: DeliveryStatus;
  readonly attemptCount: number;
  /** When the next attempt is due (pending deliveries only). */
  readonly nextAttemptAt: string | null;
  /** Retries stop after this. */
  readonly retryUntil: string;
  readonly lastAttemptAt: string | null;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly lastDurationMs: number | null;
  readonly deliveredAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Oldest first. */
  readonly attempts: AttemptJson[];
}

/** A delivery a worker holds: its claim token proves it still does when the outcome is written. */
export interface ClaimedDelivery {
  readonly workspaceId: string;
  readonly id: string;
  readonly subscriptionId: string;
  readonly url: string;
  readonly secretSealed: Buffer;
  readonly eventType: string;
  readonly body: string;
  /** The number of the attempt starting now. */
  readonly attempt: number;
  readonly retryUntil: Date;
  readonly claim: string;
}

/** What becomes of a delivery after an attempt. */
export type DeliveryNext = { readonly status: 'delivered' | 'failed' } | { readonly status: 'pending'; readonly retryInMs: number };

export type RedeliverResult = { readonly kind: 'redelivered'; readonly delivery: DeliveryJson } | { readonly kind: 'not_found' | 'disabled' | 'in_progress' };

const DELIVERY_COLUMNS = `workspace_id, id, subscription_id, event_id, event_type, status, attempt_count, next_attempt_at, retry_until,
  last_attempt_at, last_status_code, last_error, last_duration_ms, delivered_at, created_at, updated_at`;

function toDeliveryJson(row: DeliveryRow, attempts: readonly AttemptRow[]): DeliveryJson {
  return {
    id: row.id,
    subscriptionId: row.subscription_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.status === 'pending' ? (row.next_attempt_at?.toISOString() ?? null) : null,
    retryUntil: row.retry_until.toISOString(),
    lastAttemptAt: row.last_attempt_at?.toISOString() ?? null,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    lastDurationMs: row.last_duration_ms,
    deliveredAt: row.delivered_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    attempts: attempts
      .filter((attempt) => attempt.delivery_id === row.id)
      .map((attempt) => ({
        number: attempt.number,
        startedAt: attempt.started_at.toISOString(),
        durationMs: attempt.duration_ms,
        outcome: attempt.outcome,
        statusCode: attempt.status_code,
        error: attempt.error,
        responseBody: attempt.response_body,
      })),
  };
}

/**
 * Webhook deliveries (one per event and subscription) and their attempts. The workers' queue is
 * the pending deliveries of active subscriptions, claimed with `FOR UPDATE SKIP LOCKED` under a
 * lease: replicas never send the same delivery at the same time, and a delivery whose worker
 * died is claimed again once its lease has run out.
 */
@Injectable()
export class WebhookDeliveriesStore {
  constructor(private readonly dataSource: DataSource) {}

  /** The active subscriptions of the workspace that want this event type and existed when it occurred. */
  async subscribersOf(manager: EntityManager, workspaceId: string, eventType: string, occurredAt: Date): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      manager,
      `SELECT id FROM webhook_subscriptions WHERE workspace_id = $1 AND status = 'active' AND $2 = ANY(events) AND created_at <= $3`,
      [workspaceId, eventType, occurredAt],
    );
    return rows.map((row) => row.id);
  }

  /** One delivery per subscription, in the caller's transaction; an event already recorded for a subscription is not recorded again. */
  async record(
    manager: EntityManager,
    delivery: { workspaceId: string; subscriptionIds: readonly string[]; eventId: string; eventType: string; body: string; retryWindowMs: number },
  ): Promise<number> {
    const rows = await queryRows<{ id: string }>(
      manager,
      `INSERT INTO webhook_deliveries (workspace_id, id, subscription_id, event_id, event_type, body, status, next_attempt_at, retry_until)
       SELECT $1, delivery.id, delivery.subscription_id, $4, $5, $6, 'pending', now(), now() + $7 * interval '1 millisecond'
       FROM unnest($2::uuid[], $3::uuid[]) AS delivery (id, subscription_id)
       ON CONFLICT (workspace_id, subscription_id, event_id) DO NOTHING RETURNING id`,
      [
        delivery.workspaceId,
        delivery.subscriptionIds.map(() => uuidv7()),
        delivery.subscriptionIds,
        delivery.eventId,
        delivery.eventType,
        delivery.body,
        delivery.retryWindowMs,
      ],
    );
    return rows.length;
  }

  /** A subscription's deliveries, newest first, with their attempts. */
  async list(workspaceId: string, subscriptionId: string, query: { limit: number; cursor?: PagePosition; status?: DeliveryStatus }): Promise<DeliveryJson[]> {
    const params: unknown[] = [workspaceId, subscriptionId, query.limit];
    const conditions = ['workspace_id = $1', 'subscription_id = $2'];
    if (query.cursor) {
      params.push(query.cursor.createdAt, query.cursor.id);
      conditions.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    if (query.status) {
      params.push(query.status);
      conditions.push(`status = $${params.length}`);
    }
    const rows = await queryRows<DeliveryRow>(
      this.dataSource,
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE ${conditions.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $3`,
      params,
    );
    return this.withAttempts(workspaceId, rows);
  }

  async find(workspaceId: string, id: string): Promise<DeliveryJson | undefined> {
    const rows = await queryRows<DeliveryRow>(this.dataSource, `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      id,
    ]);
    const [delivery] = await this.withAttempts(workspaceId, rows);
    return delivery;
  }

  /** Sends a delivery again (whatever became of it), due now, with a new retry window; not while an attempt is under way. */
  async redeliver(workspaceId: string, id: string, retryWindowMs: number): Promise<RedeliverResult> {
    const outcome = await this.dataSource.transaction(async (manager): Promise<RedeliverResult | undefined> => {
      const [current] = await queryRows<{ status: DeliveryStatus; subscription_status: 'active' | 'disabled' }>(
        manager,
        `SELECT d.status, s.status AS subscription_status FROM webhook_deliveries d
         JOIN webhook_subscriptions s ON s.workspace_id = d.workspace_id AND s.id = d.subscription_id
         WHERE d.workspace_id = $1 AND d.id = $2 FOR UPDATE OF d`,
        [workspaceId, id],
      );
      if (!current) return { kind: 'not_found' };
      if (current.subscription_status === 'disabled') return { kind: 'disabled' };
      if (current.status === 'delivering') return { kind: 'in_progress' };
      await manager.query(
        `UPDATE webhook_deliveries
         SET status = 'pending', next_attempt_at = now(), retry_until = now() + $3 * interval '1 millisecond', updated_at = now()
         WHERE workspace_id = $1 AND id = $2`,
        [workspaceId, id, retryWindowMs],
      );
      return undefined;
    });
    if (outcome) return outcome;
    return { kind: 'redelivered', delivery: (await this.find(workspaceId, id))! };
  }

  /** The next due delivery of an active subscription, with what sending it needs. */
  async claim(leaseMs: number): Promise<ClaimedDelivery | undefined> {
    const claim = uuidv7();
    const [row] = await queryRows<{
      workspace_id: string;
      id: string;
      subscription_id: string;
      url: string;
      secret_sealed: Buffer;
      event_type: string;
      body: string;
      attempt_count: number;
      retry_until: Date;
    }>(
      this.dataSource,
      `WITH due AS (
         SELECT d.workspace_id, d.id FROM webhook_deliveries d
         JOIN webhook_subscriptions s ON s.workspace_id = d.workspace_id AND s.id = d.subscription_id AND s.status = 'active'
         WHERE d.status IN ('pending', 'delivering') AND d.next_attempt_at <= now()
         ORDER BY d.next_attempt_at LIMIT 1 FOR UPDATE OF d SKIP LOCKED
       )
       UPDATE webhook_deliveries d
       SET status = 'delivering', claim_token = $1, next_attempt_at = now() + $2 * interval '1 millisecond',
           attempt_count = d.attempt_count + 1, updated_at = now()
       FROM due, webhook_subscriptions s
       WHERE d.workspace_id = due.workspace_id AND d.id = due.id AND s.workspace_id = d.workspace_id AND s.id = d.subscription_id
       RETURNING d.workspace_id, d.id, d.subscription_id, s.url, s.secret_sealed, d.event_type, d.body, d.attempt_count, d.retry_until`,
      [claim, leaseMs],
    );
    return (
      row && {
        workspaceId: row.workspace_id,
        id: row.id,
        subscriptionId: row.subscription_id,
        url: row.url,
        secretSealed: row.secret_sealed,
        eventType: row.event_type,
        body: row.body,
        attempt: row.attempt_count,
        retryUntil: row.retry_until,
        claim,
      }
    );
  }

  /** An attempt that did not happen (shutdown): due again at once, not counted. */
  async release(delivery: ClaimedDelivery): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET status = 'pending', claim_token = NULL, next_attempt_at = now(), attempt_count = attempt_count - 1
       WHERE workspace_id = $1 AND id = $2 AND claim_token = $3`,
      [delivery.workspaceId, delivery.id, delivery.claim],
    );
  }

  /** The attempt's record and the delivery's new state, in the caller's transaction; false when the claim was lost. */
  async finish(manager: EntityManager, delivery: ClaimedDelivery, startedAt: Date, result: AttemptResult, next: DeliveryNext): Promise<boolean> {
    const updated = await queryRows<{ id: string }>(
      manager,
      `UPDATE webhook_deliveries
       SET status = $4, claim_token = NULL,
           next_attempt_at = CASE WHEN $4 = 'pending' THEN now() + $5 * interval '1 millisecond' END,
           delivered_at = CASE WHEN $4 = 'delivered' THEN now() ELSE delivered_at END,
           last_attempt_at = $6, last_status_code = $7, last_error = $8, last_duration_ms = $9, updated_at = now()
       WHERE workspace_id = $1 AND id = $2 AND claim_token = $3 RETURNING id`,
      [
        delivery.workspaceId,
        delivery.id,
        delivery.claim,
        next.status,
        next.status === 'pending' ? Math.round(next.retryInMs) : 0,
        startedAt,
        result.statusCode,
        result.error,
        result.durationMs,
      ],
    );
    if (updated.length === 0) return false;
    await manager.query(
      `INSERT INTO webhook_delivery_attempts (workspace_id, delivery_id, number, started_at, duration_ms, outcome, status_code, error, response_body)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
      [delivery.workspaceId, delivery.id, delivery.attempt, startedAt, result.durationMs, result.outcome, result.statusCode, result.error, result.responseBody],
    );
    return true;
  }

  /** The pending deliveries of a subscription that was just disabled are given up (they can be redelivered once it is enabled again). */
  async giveUpPending(manager: EntityManager, workspaceId: string, subscriptionId: string): Promise<number> {
    const rows = await queryRows<{ id: string }>(
      manager,
      `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, updated_at = now()
       WHERE workspace_id = $1 AND subscription_id = $2 AND status = 'pending' RETURNING id`,
      [workspaceId, subscriptionId],
    );
    return rows.length;
  }

  private async withAttempts(workspaceId: string, rows: DeliveryRow[]): Promise<DeliveryJson[]> {
    if (rows.length === 0) return [];
    const attempts = await queryRows<AttemptRow>(
      this.dataSource,
      `SELECT delivery_id, number, started_at, duration_ms, outcome, status_code, error, response_body FROM webhook_delivery_attempts
       WHERE workspace_id = $1 AND delivery_id = ANY($2::uuid[]) ORDER BY delivery_id, number`,
      [workspaceId, rows.map((row) => row.id)],
    );
    return rows.map((row) => toDeliveryJson(row, attempts));
  }
}
