import { queryRows, type Queryable } from '@leads/persistence';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface WorkspaceRecord {
  readonly id: string;
  readonly name: string;
  /** Empty when the event predates the field. */
  readonly ownerEmail: string;
}

export interface EmailSettings {
  readonly enabled: boolean;
  /** Who gets the emails; null: the workspace's owner. */
  readonly recipients: string[] | null;
}

export interface NotificationSettingsJson {
  readonly email: EmailSettings & {
    /** Who the next email goes to: `recipients`, else the owner (empty until the workspace is known here). */
    readonly effectiveRecipients: string[];
  };
}

/** Where a workspace's emails go, and what it is called. */
export interface EmailAudience {
  readonly enabled: boolean;
  readonly recipients: string[];
  readonly workspaceName: string | null;
}

interface AudienceRow {
  name: string | null;
  owner_email: string | null;
  email_enabled: boolean | null;
  email_recipients: string[] | null;
}

/**
 * Who is notified, per workspace: the owner, from `workspace.created` (the notification service
 * cannot read the gateway's accounts), and the workspace's own channel settings. Settings may be
 * saved before `workspace.created` arrives: the two are kept apart.
 */
@Injectable()
export class RecipientsStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Idempotent: a redelivered or repeated `workspace.created` fills in only what was missing. */
  async recordWorkspace(db: Queryable, workspace: WorkspaceRecord): Promise<void> {
    await db.query(
      `INSERT INTO workspaces (id, name, owner_email) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET owner_email = coalesce(workspaces.owner_email, excluded.owner_email)`,
      [workspace.id, workspace.name, workspace.ownerEmail || null],
    );
  }

  async settings(workspaceId: string): Promise<NotificationSettingsJson> {
    return toSettingsJson(await this.audienceRow(this.dataSource, workspaceId));
  }

  async saveSettings(workspaceId: string, email: EmailSettings): Promise<NotificationSettingsJson> {
    await this.dataSource.query(
      `INSERT INTO notification_settings (workspace_id, email_enabled, email_recipients) VALUES ($1, $2, $3)
       ON CONFLICT (workspace_id) DO UPDATE SET email_enabled = excluded.email_enabled, email_recipients = excluded.email_recipients, updated_at = now()`,
      [workspaceId, email.enabled, email.recipients],
    );
    return this.settings(workspaceId);
  }

  /** Read when an email is about to go: the settings and recipients of that moment. */
  async audience(db: Queryable, workspaceId: string): Promise<EmailAudience> {
    const row = await this.audienceRow(db, workspaceId);
    const settings = toSettingsJson(row);
    return { enabled: settings.email.enabled, recipients: settings.email.effectiveRecipients, workspaceName: row.name };
  }

  private async audienceRow(db: Queryable, workspaceId: string): Promise<AudienceRow> {
    const [row] = await queryRows<AudienceRow>(
      db,
      `SELECT w.name, w.owner_email, s.email_enabled, s.email_recipients
       FROM (SELECT $1::uuid AS workspace_id) AS asked
       LEFT JOIN workspaces w ON w.id = asked.workspace_id
       LEFT JOIN notification_settings s ON s.workspace_id = asked.workspace_id`,
      [workspaceId],
    );
    return row;
  }
}

function toSettingsJson(row: AudienceRow): NotificationSettingsJson {
  const recipients = row.email_recipients ?? null;
  return {
    email: {
      enabled: row.email_enabled ?? true,
      recipients,
      effectiveRecipients: recipients ?? (row.owner_email ? [row.owner_email] : []),
    },
  };
}
