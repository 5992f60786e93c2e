import { queryRows, type Queryable } from '@leads/persistence';
import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { DataSource } from 'typeorm';
import type { PagePosition } from '../shared/request.schema';
import { NOTIFICATION_COLUMNS, type NotificationKind, type NotificationRow, type WebhookDisabledData } from './notification.entity';

export interface FeedQuery {
  readonly limit: number;
  readonly cursor?: PagePosition;
  readonly unreadOnly: boolean;
}

/** The in-app feed of a workspace; every query is scoped to it. */
@Injectable()
export class NotificationsStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Newest first (`limit + 1` of them, to tell whether there is a next page), and how many of the workspace's notifications are unread. */
  async list(workspaceId: string, query: FeedQuery): Promise<{ rows: NotificationRow[]; unread: number }> {
    const params: unknown[] = [workspaceId, query.limit + 1];
    const conditions = ['workspace_id = $1'];
    if (query.cursor) {
      params.push(query.cursor.createdAt, query.cursor.id);
      conditions.push(`(created_at, id) < ($3::timestamptz, $4::uuid)`);
    }
    if (query.unreadOnly) conditions.push('read_at IS NULL');
    const [rows, [{ unread }]] = await Promise.all([
      queryRows<NotificationRow>(
        this.dataSource,
        `SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE ${conditions.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $2`,
        params,
      ),
      queryRows<{ unread: number }>(this.dataSource, `SELECT count(*)::int AS unread FROM notifications WHERE workspace_id = $1 AND read_at IS NULL`, [
        workspaceId,
      ]),
    ]);
    return { rows, unread };
  }

  /** Marks one notification read (the first reading time is kept); undefined when the workspace has no such notification. */
  async markRead(workspaceId: string, id: string): Promise<NotificationRow | undefined> {
    const [row] = await queryRows<NotificationRow>(
      this.dataSource,
      `UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE workspace_id = $1 AND id = $2 RETURNING ${NOTIFICATION_COLUMNS}`,
      [workspaceId, id],
    );
    return row;
  }

  /** Marks every unread notification of the workspace read; returns how many. */
  async markAllRead(workspaceId: string): Promise<number> {
    const rows = await queryRows<{ id: string }>(
      this.dataSource,
      `UPDATE notifications SET read_at = now() WHERE workspace_id = $1 AND read_at IS NULL RETURNING id`,
      [workspaceId],
    );
    return rows.length;
  }

  /** A notification about one thing (not a group), emailed as soon as the email sender gets to it. In the caller's transaction: count it in `notificationMetrics` once that commits. */
  async createSingle(db: Queryable, workspaceId: string, kind: Exclude<NotificationKind, 'leads_failed'>, data: WebhookDisabledData): Promise<string> {
    const id = uuidv7();
    await db.query(
      `INSERT INTO notifications (workspace_id, id, kind, count, data, email_status, email_due_at) VALUES ($1, $2, $3, 1, $4, 'pending', now())`,
      [workspaceId, id, kind, JSON.stringify(data)],
    );
    return id;
  }
}
