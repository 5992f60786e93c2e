import { RateLimiter } from './rate-limiter';

/** A limiter on a fake clock: waiting advances the clock. */
function fakeLimiter(perMinute: number, burst: number) {
  let now = 0;
  const waits: number[] = [];
  const limiter = new RateLimiter({
    perMinute,
    burst,
    now: () => now,
    wait: async (ms) => {
      waits.push(ms);
      now += ms;
    },
  });
  return { limiter, waits, clock: () => now };
}

describe('the requests-per-minute limiter', () => {
  const signal = new AbortController().signal;

  it('lets a burst through, then one call per 60/perMinute seconds', async () => {
    const { limiter, clock } = fakeLimiter(60, 3);
    for (let i = 0; i < 3; i += 1) await limiter.acquire(signal);
    expect(clock()).toBe(0);
    await limiter.acquire(signal);
    expect(clock()).toBe(1000);
    await limiter.acquire(signal);
    expect(clock()).toBe(2000);
  });

  it('gives back a token that was not used', async () => {
    const { limiter, clock } = fakeLimiter(60, 1);
    await limiter.acquire(signal);
    limiter.refund();
    await limiter.acquire(signal);
    expect(clock()).toBe(0);
  });

  it('holds every call until a retry-after pause has passed', async () => {
    const { limiter, clock } = fakeLimiter(6000, 10);
    limiter.pauseUntil(2500);
    await limiter.acquire(signal);
    expect(clock()).toBe(2500);
  });

  it('stops waiting when aborted', async () => {
    const limiter = new RateLimiter({ perMinute: 1, burst: 1 });
    await limiter.acquire(signal);
    const abort = new AbortController();
    const waiting = limiter.acquire(abort.signal);
    abort.abort();
    await expect(waiting).rejects.toThrow();
  });
});
