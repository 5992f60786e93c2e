import { SERVICE_CONFIG, notFound, type RequestScope } from '@leads/service';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { stopAddressEnrollments } from '../enrollments/enrollment.repository';
import { loadSender } from '../sender/sender-identity';
import type { SequencesConfig } from '../sequences.config';
import { parseUnsubscribeToken } from './unsubscribe-token';
import { queryRows, type Queryable } from '@leads/persistence';

export interface UnsubscribeJson {
  /** Masked: a forwarded link shows little of whose it is. */
  readonly email: string;
  /** Whose emails these are: the workspace's sender name (or address). */
  readonly sender: string;
  readonly unsubscribed: boolean;
}

/** `ada@initech.com` → `a***@initech.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at <= 0 ? '***' : `${email[0]}***${email.slice(at)}`;
}

/**
 * The unsubscribe link of an email: what it is about, and unsubscribing, which suppresses the
 * address in the workspace (no sequence enrols it again) and stops every enrolment of the lead and
 * of any lead with that address. Unsubscribing twice is the same as once.
 */
@Injectable()
export class Unsubscribe {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: SequencesConfig,
  ) {}

  async show(scope: RequestScope, token: string): Promise<UnsubscribeJson> {
    const recipient = await this.recipient(this.dataSource, scope, token);
    const [suppressed] = await queryRows(this.dataSource, `SELECT 1 FROM suppressions WHERE workspace_id = $1 AND email = lower($2)`, [
      scope.workspaceId,
      recipient.email,
    ]);
    return this.describe(scope, recipient.email, !!suppressed);
  }

  async unsubscribe(scope: RequestScope, token: string): Promise<UnsubscribeJson & { stoppedEnrollments: number }> {
    const stoppedEnrollments = await this.dataSource.transaction(async (manager) => {
      const recipient = await this.recipient(manager, scope, token);
      await manager.query(
        `INSERT INTO suppressions (workspace_id, email, lead_id, reason) VALUES ($1, lower($2), $3, 'unsubscribed') ON CONFLICT (workspace_id, email) DO NOTHING`,
        [scope.workspaceId, recipient.email, recipient.lead_id],
      );
      return { email: recipient.email, count: await stopAddressEnrollments(manager, scope.workspaceId, recipient.email, recipient.lead_id, 'unsubscribed') };
    });
    return { ...(await this.describe(scope, stoppedEnrollments.email, true)), stoppedEnrollments: stoppedEnrollments.count };
  }

  private async recipient(db: Queryable, scope: RequestScope, token: string): Promise<{ lead_id: string; email: string }> {
    const parsed = parseUnsubscribeToken(token);
    if (!parsed || parsed.workspaceId !== scope.workspaceId.toLowerCase()) throw notFound('Unsubscribe link');
    const [row] = await queryRows<{ lead_id: string; email: string }>(
      db,
      `SELECT lead_id, email FROM unsubscribe_tokens WHERE workspace_id = $1 AND token_hash = $2`,
      [scope.workspaceId, parsed.hash],
    );
    if (!row) throw notFound('Unsubscribe link');
    return row;
  }

  private async describe(scope: RequestScope, email: string, unsubscribed: boolean): Promise<UnsubscribeJson> {
    const sender = await loadSender(this.dataSource, scope.workspaceId, this.config.MAIL_FROM);
    return { email: maskEmail(email), sender: sender.fromName || sender.fromEmail, unsubscribed };
  }
}
