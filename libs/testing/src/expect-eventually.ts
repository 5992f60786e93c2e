import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ExpectEventuallyOptions {
  /** Give up after this long. Default 30 000 ms. */
  timeoutMs?: number;
  /** Pause between attempts. Default 100 ms. */
  intervalMs?: number;
  /** What is awaited, for the failure message: `lead l-1 scored`. */
  description?: string;
}

// Captured at load and taken from node:timers/promises: Jest fake timers (which patch the
// globals) neither freeze the deadline nor stall the pauses.
const now = performance.now.bind(performance);

const NOT_SETTLED = Symbol('not settled');

/**
 * Re-runs `assertion` until it stops throwing (or rejecting) and returns its value. At the
 * deadline it rethrows the last error, its message prefixed with the description, the elapsed
 * time and the number of attempts. An attempt still pending at the deadline counts as a failure.
 *
 * The only waiting primitive tests use: never sleep, wait for a condition.
 *
 *   const lead = await expectEventually(async () => {
 *     const response = await fetch(`${gateway}/leads/${id}`);
 *     expect(response.status).toBe(200);
 *     const body = await response.json();
 *     expect(body.status).toBe('scored');
 *     return body;
 *   }, { description: `lead ${id} scored` });
 */
export async function expectEventually<T>(
  assertion: () => T | Promise<T>,
  options: ExpectEventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 100;
  if (!(timeoutMs >= 0) || !(intervalMs >= 0)) {
    throw new RangeError(`expectEventually: timeoutMs and intervalMs must be >= 0 (got ${timeoutMs}, ${intervalMs})`);
  }
  const started = now();
  const deadline = started + timeoutMs;
  let attempts = 0;
  let lastError: unknown;

  for (;;) {
    attempts += 1;
    const abort = new AbortController();
    try {
      const attempt = Promise.resolve().then(assertion);
      const remaining = Math.max(0, deadline - now());
      const outcome = await Promise.race([
        attempt,
        sleep(remaining, NOT_SETTLED, { signal: abort.signal }).catch(() => NOT_SETTLED),
      ]);
      if (outcome !== NOT_SETTLED) return outcome as T;
      attempt.catch(() => undefined); // it may still reject later: not an unhandled rejection
      const previous = lastError;
      lastError = new Error(
        'the last attempt did not settle before the deadline' +
          (previous === undefined ? '' : `; the attempt before it failed with: ${messageOf(previous)}`),
      );
      break;
    } catch (error) {
      lastError = error;
    } finally {
      abort.abort();
    }
    const left = deadline - now();
    if (left <= 0) break;
    await sleep(Math.min(intervalMs, left));
  }

  const elapsed = Math.round(now() - started);
  const prefix = `${options.description ?? 'expectEventually'}: still failing after ${elapsed} ms (${attempts} attempt${attempts === 1 ? '' : 's'})`;
  throw withPrefix(lastError, prefix);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Keeps the original error (class, matcherResult, cause) and prefixes its message and stack. */
function withPrefix(error: unknown, prefix: string): Error {
  if (!(error instanceof Error)) return new Error(`${prefix}: ${String(error)}`, { cause: error });
  const original = error.message;
  const message = `${prefix}: ${original}`;
  try {
    error.message = message;
    if (typeof error.stack === 'string' && error.stack.includes(original)) {
      error.stack = error.stack.replace(original, message);
    }
    return error;
  } catch {
    return new Error(message, { cause: error });
  }
}
