/** The longest `retry-after` honoured as given; a longer one is capped (the job is then tried again and may be told to wait again). */
export const MAX_RETRY_AFTER_MS = 10 * 60 * 1000;

interface HeaderReader {
  get(name: string): string | null | undefined;
}

/**
 * How long a 429 (or 503) asks to wait: `retry-after-ms` (OpenAI's own), else `retry-after` in
 * seconds or as an HTTP date. Undefined when absent or unreadable.
 */
export function retryAfterMs(headers: HeaderReader | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const milliseconds = headers.get('retry-after-ms')?.trim();
  if (milliseconds && /^\d+(\.\d+)?$/.test(milliseconds)) return Math.min(MAX_RETRY_AFTER_MS, Math.ceil(Number(milliseconds)));
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.min(MAX_RETRY_AFTER_MS, Math.ceil(Number(value) * 1000));
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, date - now));
}

/**
 * Exponential backoff before retry number `failures` (1 = after the first failure): base × 2^(n-1),
 * capped at max, half of it fixed and half random, so replicas that failed together do not
 * retry together.
 */
export function backoffMs(failures: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/** At least what the server asked for, plus up to 10 % (at most 1 s) so that waiting workers do not all return at once. */
export function afterRetryAfter(waitMs: number, random: () => number = Math.random): number {
  return Math.ceil(waitMs + random() * Math.min(1000, waitMs * 0.1));
}
