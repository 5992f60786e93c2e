import { queryRows, type Queryable } from '@leads/persistence';

/** Who a workspace's sequence emails come from. */
export interface Sender {
  readonly fromName: string;
  readonly fromEmail: string;
  readonly replyTo: string | null;
}

export interface SenderJson extends Sender {
  /** True while the workspace has set none: MAIL_FROM is used. */
  readonly isDefault: boolean;
}

/** MAIL_FROM (`Name <address>` or a bare address) as a sender. */
export function defaultSender(mailFrom: string): Sender {
  const match = /^\s*(.*?)\s*<([^<>\s]+)>\s*$/.exec(mailFrom);
  if (!match) return { fromName: '', fromEmail: mailFrom.trim(), replyTo: null };
  return { fromName: match[1].replace(/^"(.*)"$/, '$1'), fromEmail: match[2], replyTo: null };
}

interface SenderRow {
  from_name: string;
  from_email: string;
  reply_to: string | null;
}

export const senderOf = (row: SenderRow): Sender => ({ fromName: row.from_name, fromEmail: row.from_email, replyTo: row.reply_to });

/** The workspace's sender, or MAIL_FROM's when it has set none. */
export async function loadSender(db: Queryable, workspaceId: string, mailFrom: string): Promise<SenderJson> {
  const [row] = await queryRows<SenderRow>(db, `SELECT from_name, from_email, reply_to FROM sender_identities WHERE workspace_id = $1`, [workspaceId]);
  return row ? { ...senderOf(row), isDefault: false } : { ...defaultSender(mailFrom), isDefault: true };
}

export async function saveSender(db: Queryable, workspaceId: string, sender: Sender): Promise<void> {
  await db.query(
    `INSERT INTO sender_identities (workspace_id, from_name, from_email, reply_to) VALUES ($1, $2, $3, $4)
     ON CONFLICT (workspace_id) DO UPDATE SET from_name = excluded.from_name, from_email = excluded.from_email, reply_to = excluded.reply_to, updated_at = now()`,
    [workspaceId, sender.fromName, sender.fromEmail, sender.replyTo],
  );
}
