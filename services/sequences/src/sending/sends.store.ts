import { randomUUID } from 'node:crypto';
import type { JsonObject } from '@bufbuild/protobuf';
import type { OutgoingMail, SentMail } from '@leads/mail';
import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@leads/service';
import { DataSource, type EntityManager } from 'typeorm';
import { completeEnrollment, stopEnrollment } from '../enrollments/enrollment.repository';
import { defaultSender, senderOf, type Sender } from '../sender/sender-identity';
import type { SequencesConfig } from '../sequences.config';
import type { Step } from '../sequences/sequence.entity';
import { newUnsubscribeToken, unsubscribeUrl } from '../unsubscribe/unsubscribe-token';
import { composeEmail } from './compose-email';
import { queryRows } from '@leads/persistence';

/** A step's email this replica holds the right to send: only the holder of `claimToken` records its outcome. */
export interface ClaimedSend {
  readonly workspaceId: string;
  readonly enrollmentId: string;
  readonly sendId: string;
  readonly claimToken: string;
  /** 1-based. */
  readonly step: number;
  /** Including the one starting now. */
  readonly attempt: number;
  readonly mail: OutgoingMail;
}

/** What a claim found that was not sent: ended enrolments, and sends a crashed replica left half-done. */
export interface ClaimResult {
  readonly sends: ClaimedSend[];
  readonly abandoned: number;
}

interface DueRow {
  workspace_id: string;
  id: string;
  sequence_id: string;
  lead_id: string;
  current_step: number;
  steps: Step[];
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  company_name: string | null;
  custom_fields: JsonObject;
  suppressed: boolean;
  from_name: string | null;
  from_email: string | null;
  reply_to: string | null;
}

/**
 * The scheduler's state, in short transactions. A step goes at most once, whatever the replicas
 * and crashes:
 * - due enrolments are claimed with `FOR UPDATE SKIP LOCKED`, so replicas take different ones,
 *   and their due time is pushed a lease ahead so that nobody takes them again meanwhile;
 * - before any SMTP traffic, the claim records the step's send row (unique per enrolment and
 *   step) as `sending`, in the same transaction. If a replica dies during the SMTP exchange, the
 *   row is still `sending` when the lease runs out and the enrolment is claimed again: the mail
 *   may or may not have gone, so it is recorded `unknown` and the enrolment moves on without
 *   sending it again;
 * - an outcome is written only by the holder of the claim token.
 */
@Injectable()
export class SendsStore {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: SequencesConfig,
  ) {}

  async claim(limit: number, leaseMs: number): Promise<ClaimResult> {
    return this.dataSource.transaction(async (manager) => {
      const due = await queryRows<DueRow>(
        manager,
        `SELECT e.workspace_id, e.id, e.sequence_id, e.lead_id, e.current_step, s.steps,
                l.email, l.first_name, l.last_name, l.company_name, l.custom_fields,
                EXISTS (SELECT 1 FROM suppressions x WHERE x.workspace_id = e.workspace_id AND x.email = lower(l.email)) AS suppressed,
                sender.from_name, sender.from_email, sender.reply_to
         FROM enrollments e
         JOIN sequences s ON s.workspace_id = e.workspace_id AND s.id = e.sequence_id
         JOIN leads l ON l.workspace_id = e.workspace_id AND l.id = e.lead_id
         LEFT JOIN sender_identities sender ON sender.workspace_id = e.workspace_id
         WHERE e.status = 'active' AND e.next_run_at <= now()
         ORDER BY e.next_run_at
         LIMIT $1
         FOR UPDATE OF e SKIP LOCKED`,
        [limit],
      );
      const sends: ClaimedSend[] = [];
      let abandoned = 0;
      for (const row of due) {
        if (row.suppressed) await stopEnrollment(manager, row.workspace_id, row.id, 'unsubscribed');
        else if (row.current_step >= row.steps.length) await completeEnrollment(manager, row.workspace_id, row.id);
        else if (!row.email) await stopEnrollment(manager, row.workspace_id, row.id, 'email_invalid');
        else {
          const send = await this.claimStep(manager, row, leaseMs);
          if (send) sends.push(send);
          else abandoned += 1;
        }
      }
      return { sends, abandoned };
    });
  }

  /** Records the step's send as `sending` and returns it to send; undefined when a previous holder left it half-done (then recorded `unknown`). */
  private async claimStep(manager: EntityManager, row: DueRow, leaseMs: number): Promise<ClaimedSend | undefined> {
    const step = row.current_step + 1;
    const sender: Sender = row.from_email ? senderOf({ from_name: row.from_name!, from_email: row.from_email, reply_to: row.reply_to }) : defaultSender(this.config.MAIL_FROM);
    const { token, hash } = newUnsubscribeToken(row.workspace_id);
    const mail = composeEmail(
      row.steps[row.current_step],
      { firstName: row.first_name, lastName: row.last_name, email: row.email, companyName: row.company_name, customFields: row.custom_fields },
      sender,
      row.email!,
      unsubscribeUrl(this.config.PUBLIC_URL, token),
    );
    const claimToken = randomUUID();
    // A new step's row, or a retry of one that failed transiently; a row still `sending` is left as it is.
    const [claimed] = await queryRows<{ id: string; attempt_count: number }>(
      manager,
      `INSERT INTO sends (workspace_id, id, enrollment_id, sequence_id, lead_id, step, to_email, subject, status, claim_token)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'sending', $9)
       ON CONFLICT (workspace_id, enrollment_id, step) DO UPDATE
         SET status = 'sending', claim_token = excluded.claim_token, to_email = excluded.to_email, subject = excluded.subject,
             attempt_count = sends.attempt_count + 1, updated_at = now()
         WHERE sends.status = 'retrying'
       RETURNING id, attempt_count`,
      [row.workspace_id, randomUUID(), row.id, row.sequence_id, row.lead_id, step, row.email, mail.subject, claimToken],
    );
    if (!claimed) {
      await manager.query(
        `UPDATE sends SET status = 'unknown', claim_token = NULL, updated_at = now(),
           error = 'the replica sending it stopped during the SMTP exchange: it may have gone, so it is not sent again'
         WHERE workspace_id = $1 AND enrollment_id = $2 AND step = $3 AND status = 'sending'`,
        [row.workspace_id, row.id, step],
      );
      await advance(manager, row.workspace_id, row.id, step);
      return undefined;
    }
    await manager.query(
      `INSERT INTO unsubscribe_tokens (workspace_id, token_hash, lead_id, email, send_id) VALUES ($1, $2, $3, $4, $5)`,
      [row.workspace_id, hash, row.lead_id, row.email, claimed.id],
    );
    await manager.query(`UPDATE enrollments SET next_run_at = now() + $3 * interval '1 millisecond', updated_at = now() WHERE workspace_id = $1 AND id = $2`, [
      row.workspace_id,
      row.id,
      leaseMs,
    ]);
    return { workspaceId: row.workspace_id, enrollmentId: row.id, sendId: claimed.id, claimToken, step, attempt: claimed.attempt_count, mail };
  }

  /** The SMTP server took the mail: recorded, and the enrolment moves to its next step. False when the claim was lost. */
  async recordSent(send: ClaimedSend, sent: SentMail): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const updated = await this.finishSend(manager, send, `status = 'sent', message_id = $4, smtp_response = $5, error = NULL, sent_at = now()`, [
        sent.messageId,
        sent.response.slice(0, 1000),
      ]);
      if (updated) await advance(manager, send.workspaceId, send.enrollmentId, send.step);
      return updated;
    });
  }

  /** A transient failure: the step is tried again in `delayMs`. */
  async recordRetry(send: ClaimedSend, error: string, response: string | null, delayMs: number): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const updated = await this.finishSend(manager, send, `status = 'retrying', error = $4, smtp_response = $5`, [error, response]);
      if (updated) {
        await manager.query(
          `UPDATE enrollments SET next_run_at = now() + $3 * interval '1 millisecond', updated_at = now()
           WHERE workspace_id = $1 AND id = $2 AND status IN ('active', 'paused')`,
          [send.workspaceId, send.enrollmentId, Math.max(0, Math.round(delayMs))],
        );
      }
      return updated;
    });
  }

  /**
   * Refused for good, or out of attempts: recorded failed, and the enrolment stops (`send_failed`):
   * later steps would follow up on an email the lead never got, and mail that keeps bouncing hurts
   * the sender's reputation.
   */
  async recordFailed(send: ClaimedSend, error: string, response: string | null): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const updated = await this.finishSend(manager, send, `status = 'failed', error = $4, smtp_response = $5`, [error, response]);
      if (updated) await stopEnrollment(manager, send.workspaceId, send.enrollmentId, 'send_failed');
      return updated;
    });
  }

  private async finishSend(manager: EntityManager, send: ClaimedSend, set: string, params: unknown[]): Promise<boolean> {
    const rows = await queryRows(
      manager,
      `UPDATE sends SET ${set}, claim_token = NULL, updated_at = now()
       WHERE workspace_id = $1 AND id = $2 AND claim_token = $3 AND status = 'sending' RETURNING id`,
      [send.workspaceId, send.sendId, send.claimToken, ...params],
    );
    return rows.length > 0;
  }
}

/**
 * Step `step` is done: the enrolment's next step falls due its delay from now, or the enrolment is
 * complete after its last step. A paused enrolment keeps its status (and the due time, for when it
 * is resumed); one that ended meanwhile stays ended.
 */
async function advance(manager: EntityManager, workspaceId: string, enrollmentId: string, step: number): Promise<void> {
  await manager.query(
    `UPDATE enrollments e SET
       current_step = $3,
       status = CASE WHEN e.status IN ('active', 'paused') AND $3 >= jsonb_array_length(s.steps) THEN 'completed' ELSE e.status END,
       next_run_at = CASE WHEN e.status IN ('active', 'paused') AND $3 < jsonb_array_length(s.steps)
                          THEN now() + (s.steps -> $3::int ->> 'delaySeconds')::int * interval '1 second' END,
       finished_at = CASE WHEN e.status IN ('active', 'paused') AND $3 >= jsonb_array_length(s.steps) THEN now() ELSE e.finished_at END,
       updated_at = now()
     FROM sequences s
     WHERE e.workspace_id = $1 AND e.id = $2 AND s.workspace_id = e.workspace_id AND s.id = e.sequence_id`,
    [workspaceId, enrollmentId, step],
  );
}
