import type { Counter } from 'prom-client';

/**
 * A count that a stage waits on: `until(n)` resolves with the time (performance.now()) the count
 * reached n, and rejects when the count has not moved for `stallMs` (a stuck stage fails the run
 * instead of hanging it).
 */
export class Progress {
  private count = 0;
  private lastChange = performance.now();
  private readonly waiters: Array<{ target: number; resolve: (at: number) => void }> = [];

  constructor(
    readonly what: string,
    private readonly stallMs: number,
  ) {}

  get value(): number {
    return this.count;
  }

  add(n = 1, at = performance.now()): void {
    this.set(this.count + n, at);
  }

  set(value: number, at = performance.now()): void {
    if (value === this.count) return;
    this.count = value;
    this.lastChange = at;
    for (let i = this.waiters.length - 1; i >= 0; i -= 1) {
      if (this.count >= this.waiters[i].target) {
        this.waiters[i].resolve(at);
        this.waiters.splice(i, 1);
      }
    }
  }

  /** Resolves with the time the count reached `target`. Created early and awaited late, so it is marked handled. */
  until(target: number): Promise<number> {
    if (this.count >= target) return Promise.resolve(this.lastChange);
    const reached = new Promise<number>((resolve, reject) => {
      const watchdog = setInterval(() => {
        if (performance.now() - this.lastChange > this.stallMs) {
          clearInterval(watchdog);
          reject(new Error(`${this.what}: stuck at ${this.count}/${target} for ${this.stallMs / 1000} s`));
        }
      }, 1_000);
      this.waiters.push({
        target,
        resolve: (at) => {
          clearInterval(watchdog);
          resolve(at);
        },
      });
    });
    reached.catch(() => undefined);
    return reached;
  }
}

/**
 * Follows a process-wide prom-client counter (e.g. the relay's `messaging_outbox_published_total`)
 * by polling it every `intervalMs`; the count is relative to its value when the watch started, so
 * the time a target is reached is known to within `intervalMs`.
 */
export async function watchCounter(
  counter: Counter<string>,
  what: string,
  stallMs: number,
  intervalMs = 20,
): Promise<{ progress: Progress; stop(): void }> {
  const read = async () => (await counter.get()).values.reduce((sum, { value }) => sum + value, 0);
  const progress = new Progress(what, stallMs);
  const base = await read();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    progress.set((await read()) - base);
    if (!stopped) timer = setTimeout(() => void poll(), intervalMs);
  };
  timer = setTimeout(() => void poll(), intervalMs);
  return {
    progress,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
