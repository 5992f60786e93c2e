import { setTimeout as sleep } from 'node:timers/promises';

export interface RateLimiterOptions {
  /** Calls started per minute at most. */
  perMinute: number;
  /** Calls that may start at once after a quiet spell. */
  burst: number;
  now?: () => number;
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * The requests-per-minute limit of one replica: a token bucket refilled at perMinute / 60 per
 * second, holding at most `burst` tokens. A 429 pauses it for everyone (`pauseUntil`): the
 * provider's limit is the key's, not the job's, so no worker calls before the `retry-after` ends.
 */
export class RateLimiter {
  private tokens: number;
  private refilledAt: number;
  private pausedUntil = 0;
  private readonly perMs: number;
  private readonly now: () => number;
  private readonly wait: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(private readonly options: RateLimiterOptions) {
    if (!(options.perMinute > 0) || !(options.burst >= 1)) throw new RangeError('RateLimiter: perMinute must be > 0 and burst >= 1');
    this.now = options.now ?? Date.now;
    this.wait = options.wait ?? ((ms, signal) => sleep(ms, undefined, { signal }));
    this.perMs = options.perMinute / 60_000;
    this.tokens = options.burst;
    this.refilledAt = this.now();
  }

  /** Waits for a token; rejects (AbortError) when `signal` aborts first. */
  async acquire(signal: AbortSignal): Promise<void> {
    for (;;) {
      signal.throwIfAborted();
      const waitMs = this.tryTake();
      if (waitMs === 0) return;
      await this.wait(waitMs, signal);
    }
  }

  /** Gives back a token taken for a call that was not made (no job to run). */
  refund(): void {
    this.refill();
    this.tokens = Math.min(this.options.burst, this.tokens + 1);
  }

  /** No call starts before `until` (epoch ms). */
  pauseUntil(until: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }

  /** Takes a token and returns 0, or returns how long to wait before trying again. */
  private tryTake(): number {
    const now = this.now();
    if (now < this.pausedUntil) return this.pausedUntil - now;
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perMs));
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.options.burst, this.tokens + (now - this.refilledAt) * this.perMs);
    this.refilledAt = now;
  }
}
