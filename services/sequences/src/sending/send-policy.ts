/**
 * Exponential backoff before retry number `failures` (1 = after the first failure): base × 2^(n-1),
 * capped at max, half of it fixed and half random, so that sends that failed together (an SMTP
 * outage) do not all come back at once.
 */
export function backoffMs(failures: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/** What an SMTP attempt's failure means for the step. */
export interface SmtpFailure {
  /** Refused for good (a 5xx reply other than 503): retrying the same message would be refused again. */
  readonly permanent: boolean;
  /** One line for the send record: the server's reply when there is one. */
  readonly reason: string;
  readonly response: string | null;
}

/** Reads a Mailer rejection (nodemailer marks SMTP replies `permanent` true or false; connection errors carry no reply). */
export function smtpFailure(error: unknown): SmtpFailure {
  const failure = (error ?? {}) as { permanent?: unknown; response?: unknown; responseCode?: unknown; code?: unknown; message?: unknown };
  const response = typeof failure.response === 'string' ? failure.response.slice(0, 1000) : null;
  const code = typeof failure.code === 'string' ? `${failure.code}: ` : '';
  const message = typeof failure.message === 'string' ? failure.message : String(error);
  return { permanent: failure.permanent === true, reason: `${code}${message}`.slice(0, 1000), response };
}

/** Whether a failed attempt is tried again: transient, and attempts left. */
export function shouldRetry(failure: SmtpFailure, attempt: number, maxAttempts: number): boolean {
  return !failure.permanent && attempt < maxAttempts;
}
