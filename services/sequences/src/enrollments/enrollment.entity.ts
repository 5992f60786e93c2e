export const ENROLLMENT_STATUSES = ['active', 'paused', 'completed', 'stopped'] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

/** Why an enrolment stopped before its last step. */
export const STOP_REASONS = ['won', 'lost', 'unsubscribed', 'email_invalid', 'email_disposable', 'sequence_archived', 'send_failed'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

/** A row of `enrollments`, with the lead's email. */
export interface EnrollmentRow {
  readonly id: string;
  readonly sequence_id: string;
  readonly lead_id: string;
  readonly email: string | null;
  readonly status: EnrollmentStatus;
  readonly current_step: number;
  readonly next_run_at: Date | null;
  readonly stop_reason: StopReason | null;
  readonly enrolled_at: Date;
  readonly updated_at: Date;
  readonly finished_at: Date | null;
}

export function toEnrollmentJson(row: EnrollmentRow) {
  return {
    id: row.id,
    sequenceId: row.sequence_id,
    leadId: row.lead_id,
    email: row.email,
    status: row.status,
    /** Steps done: 0 before the first email, the step count once completed. */
    currentStep: row.current_step,
    /** When the next step is due (null once completed or stopped). */
    nextRunAt: row.next_run_at?.toISOString() ?? null,
    stopReason: row.stop_reason,
    enrolledAt: row.enrolled_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}

/**
 * sending: an attempt is talking to the SMTP server; retrying: the server failed transiently, the
 * step is tried again later; sent; failed: refused for good, or out of attempts; unknown: the
 * replica sending it stopped mid-way, so it may or may not have gone, and is not sent again;
 * cancelled: the enrolment ended while a retry was pending.
 */
export const SEND_STATUSES = ['sending', 'retrying', 'sent', 'failed', 'unknown', 'cancelled'] as const;
export type SendStatus = (typeof SEND_STATUSES)[number];

/** A row of `sends`: one step's email to one enrolled lead, with its outcome. */
export interface SendRow {
  readonly id: string;
  readonly enrollment_id: string;
  readonly sequence_id: string;
  readonly lead_id: string;
  readonly step: number;
  readonly to_email: string;
  readonly subject: string;
  readonly status: SendStatus;
  readonly attempt_count: number;
  readonly message_id: string | null;
  readonly smtp_response: string | null;
  readonly error: string | null;
  readonly created_at: Date;
  readonly updated_at: Date;
  readonly sent_at: Date | null;
}

export function toSendJson(row: SendRow) {
  return {
    id: row.id,
    enrollmentId: row.enrollment_id,
    sequenceId: row.sequence_id,
    leadId: row.lead_id,
    step: row.step,
    to: row.to_email,
    subject: row.subject,
    status: row.status,
    attemptCount: row.attempt_count,
    messageId: row.message_id,
    smtpResponse: row.smtp_response,
    error: row.error,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    sentAt: row.sent_at?.toISOString() ?? null,
  };
}
