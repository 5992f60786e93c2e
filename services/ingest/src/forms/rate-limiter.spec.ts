import { RateLimiter, clientKey } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows the limit per window, then refuses with the time left, then allows again', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(3, 60_000, 100, () => now);
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, true]);
    now += 15_000;
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 45 });
    expect(limiter.take('b').allowed).toBe(true);
    now += 45_000;
    expect(limiter.take('a').allowed).toBe(true);
  });

  it('keeps at most maxKeys windows, dropping the oldest', () => {
    let now = 0;
    const limiter = new RateLimiter(1, 60_000, 2, () => now);
    limiter.take('a');
    now += 1;
    limiter.take('b');
    now += 1;
    limiter.take('c');
    expect(limiter.size).toBe(2);
    expect(limiter.take('c').allowed).toBe(false);
    expect(limiter.take('a').allowed).toBe(true);
  });
});

describe('clientKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s counts as %s', (ip, key) => {
    expect(clientKey(ip)).toBe(key);
  });
});
