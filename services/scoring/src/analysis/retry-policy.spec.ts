import { afterRetryAfter, backoffMs, retryAfterMs } from './retry-policy';

const headers = (values: Record<string, string>) => new Headers(values);

describe('retry policy', () => {
  it('reads retry-after in seconds, as a date, and retry-after-ms', () => {
    expect(retryAfterMs(headers({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(headers({ 'retry-after': '0.5' }))).toBe(500);
    expect(retryAfterMs(headers({ 'retry-after-ms': '1500', 'retry-after': '9' }))).toBe(1500);
    const now = Date.parse('2026-11-26T10:00:00Z');
    expect(retryAfterMs(headers({ 'retry-after': 'Thu, 26 Nov 2026 10:00:30 GMT' }), now)).toBe(30_000);
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(headers({}))).toBeUndefined();
    expect(retryAfterMs(headers({ 'retry-after': '86400' }))).toBe(10 * 60 * 1000);
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffMs(1, 1000, 30_000, () => 0)).toBe(500);
    expect(backoffMs(1, 1000, 30_000, () => 1)).toBe(1000);
    expect(backoffMs(3, 1000, 30_000, () => 1)).toBe(4000);
    expect(backoffMs(10, 1000, 30_000, () => 1)).toBe(30_000);
  });

  it('never retries before the retry-after', () => {
    expect(afterRetryAfter(2000, () => 0)).toBe(2000);
    expect(afterRetryAfter(2000, () => 1)).toBe(2200);
    expect(afterRetryAfter(60_000, () => 1)).toBe(61_000);
  });
});
