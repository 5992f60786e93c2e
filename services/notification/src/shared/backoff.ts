/**
 * Exponential backoff before retry number `failures` (1 = after the first failure):
 * base × 2^(n-1), capped at max, half of it fixed and half random, so that what failed together
 * (an outage) is not retried together.
 */
export function backoffMs(failures: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, failures - 1), 52));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}
