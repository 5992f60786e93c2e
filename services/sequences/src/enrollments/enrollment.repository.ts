import type { PagePosition } from '../shared/request.schema';
import type { EnrollmentRow, EnrollmentStatus, SendRow, StopReason } from './enrollment.entity';
import { queryRows, type Queryable } from '@leads/persistence';

// Every statement is scoped by workspace_id. Stopping or completing only ever touches active or
// paused enrolments, and cancels a retry they were waiting for (its send record says so).

/** Runs an `UPDATE enrollments … WHERE …` that ends enrolments; returns how many it ended. */
async function endEnrollments(db: Queryable, update: string, params: readonly unknown[]): Promise<number> {
  const rows = await queryRows(
    db,
    `WITH ended AS (${update} RETURNING workspace_id, id),
     cancelled AS (
       UPDATE sends SET status = 'cancelled', claim_token = NULL, updated_at = now()
       FROM ended WHERE sends.workspace_id = ended.workspace_id AND sends.enrollment_id = ended.id AND sends.status = 'retrying'
     )
     SELECT id FROM ended`,
    params,
  );
  return rows.length;
}

const STOP = `UPDATE enrollments SET status = 'stopped', stop_reason = $2, next_run_at = NULL, finished_at = now(), updated_at = now()`;

export function stopEnrollment(db: Queryable, workspaceId: string, enrollmentId: string, reason: StopReason): Promise<number> {
  return endEnrollments(db, `${STOP} WHERE workspace_id = $1 AND id = $3 AND status IN ('active', 'paused')`, [workspaceId, reason, enrollmentId]);
}

export function stopLeadEnrollments(db: Queryable, workspaceId: string, leadId: string, reason: StopReason): Promise<number> {
  return endEnrollments(db, `${STOP} WHERE workspace_id = $1 AND lead_id = $3 AND status IN ('active', 'paused')`, [workspaceId, reason, leadId]);
}

/** Every enrolment of the lead, and of any lead of the workspace with the same address. */
export function stopAddressEnrollments(db: Queryable, workspaceId: string, email: string, leadId: string, reason: StopReason): Promise<number> {
  return endEnrollments(
    db,
    `${STOP} WHERE workspace_id = $1 AND status IN ('active', 'paused')
       AND (lead_id = $3 OR lead_id IN (SELECT id FROM leads WHERE workspace_id = $1 AND lower(email) = lower($4)))`,
    [workspaceId, reason, leadId, email],
  );
}

export function stopSequenceEnrollments(db: Queryable, workspaceId: string, sequenceId: string, reason: StopReason): Promise<number> {
  return endEnrollments(db, `${STOP} WHERE workspace_id = $1 AND sequence_id = $3 AND status IN ('active', 'paused')`, [workspaceId, reason, sequenceId]);
}

const COMPLETE = `UPDATE enrollments SET status = 'completed', next_run_at = NULL, finished_at = now(), updated_at = now()`;

/** After the steps were edited: enrolments that have done every remaining step are complete. */
export function completeFinishedEnrollments(db: Queryable, workspaceId: string, sequenceId: string, stepCount: number): Promise<number> {
  return endEnrollments(db, `${COMPLETE} WHERE workspace_id = $1 AND sequence_id = $2 AND status IN ('active', 'paused') AND current_step >= $3`, [
    workspaceId,
    sequenceId,
    stepCount,
  ]);
}

export function completeEnrollment(db: Queryable, workspaceId: string, enrollmentId: string): Promise<number> {
  return endEnrollments(db, `${COMPLETE} WHERE workspace_id = $1 AND id = $2 AND status IN ('active', 'paused')`, [workspaceId, enrollmentId]);
}

/** Pausing keeps each enrolment's due time; resuming continues from it, or now if it has passed. */
export async function pauseSequenceEnrollments(db: Queryable, workspaceId: string, sequenceId: string): Promise<void> {
  await db.query(`UPDATE enrollments SET status = 'paused', updated_at = now() WHERE workspace_id = $1 AND sequence_id = $2 AND status = 'active'`, [
    workspaceId,
    sequenceId,
  ]);
}

export async function resumeSequenceEnrollments(db: Queryable, workspaceId: string, sequenceId: string): Promise<void> {
  await db.query(
    `UPDATE enrollments SET status = 'active', next_run_at = greatest(next_run_at, now()), updated_at = now()
     WHERE workspace_id = $1 AND sequence_id = $2 AND status = 'paused'`,
    [workspaceId, sequenceId],
  );
}

/** Pages run oldest first from a cursor; `newest` takes the latest rows instead, newest first (no cursor). */
type ListOrder = { after?: PagePosition; newest?: never } | { after?: never; newest: true };

/** A sequence's enrolments (every sequence's when `sequenceId` is null), oldest first, one page (`limit + 1` rows). */
export function listEnrollments(
  db: Queryable,
  workspaceId: string,
  sequenceId: string | null,
  filter: { status?: EnrollmentStatus; leadId?: string; limit: number } & ListOrder,
): Promise<EnrollmentRow[]> {
  const direction = filter.newest ? 'DESC' : 'ASC';
  return queryRows<EnrollmentRow>(
    db,
    `SELECT e.id, e.sequence_id, e.lead_id, l.email, e.status, e.current_step, e.next_run_at, e.stop_reason, e.enrolled_at, e.updated_at, e.finished_at
     FROM enrollments e LEFT JOIN leads l ON l.workspace_id = e.workspace_id AND l.id = e.lead_id
     WHERE e.workspace_id = $1 AND ($2::uuid IS NULL OR e.sequence_id = $2) AND ($3::text IS NULL OR e.status = $3) AND ($4::uuid IS NULL OR e.lead_id = $4)
       AND ($5::timestamptz IS NULL OR (e.enrolled_at, e.id) > ($5::timestamptz, $6::uuid))
     ORDER BY e.enrolled_at ${direction}, e.id ${direction} LIMIT $7`,
    [workspaceId, sequenceId, filter.status ?? null, filter.leadId ?? null, filter.after?.at ?? null, filter.after?.id ?? null, filter.limit + 1],
  );
}

/** A sequence's send records (every sequence's when `sequenceId` is null), oldest first, one page (`limit + 1` rows). */
export function listSends(
  db: Queryable,
  workspaceId: string,
  sequenceId: string | null,
  filter: { leadId?: string; limit: number } & ListOrder,
): Promise<SendRow[]> {
  const direction = filter.newest ? 'DESC' : 'ASC';
  return queryRows<SendRow>(
    db,
    `SELECT id, enrollment_id, sequence_id, lead_id, step, to_email, subject, status, attempt_count, message_id, smtp_response, error, created_at, updated_at, sent_at
     FROM sends
     WHERE workspace_id = $1 AND ($2::uuid IS NULL OR sequence_id = $2) AND ($3::uuid IS NULL OR lead_id = $3)
       AND ($4::timestamptz IS NULL OR (created_at, id) > ($4::timestamptz, $5::uuid))
     ORDER BY created_at ${direction}, id ${direction} LIMIT $6`,
    [workspaceId, sequenceId, filter.leadId ?? null, filter.after?.at ?? null, filter.after?.id ?? null, filter.limit + 1],
  );
}
