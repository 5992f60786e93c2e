import { backoffMs } from './backoff';

describe('backoffMs', () => {
  it('doubles from the base, half fixed and half random', () => {
    expect([1, 2, 3, 4].map((failures) => backoffMs(failures, 1000, 60_000, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((failures) => backoffMs(failures, 1000, 60_000, () => 1))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('is capped at the maximum, however many failures', () => {
    expect(backoffMs(10, 1000, 5000, () => 1)).toBe(5000);
    expect(backoffMs(10_000, 1000, 5000, () => 0)).toBe(2500);
  });

  it('treats 0 failures like the first', () => {
    expect(backoffMs(0, 1000, 60_000, () => 1)).toBe(1000);
  });
});
