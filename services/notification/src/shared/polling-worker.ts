import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';

export interface PollingWorkerSettings {
  /** For logs. */
  readonly name: string;
  /** Loops running `step` at the same time. 0: this replica does none of this work. */
  readonly concurrency: number;
  readonly pollIntervalMs: number;
  /** On shutdown, work in flight gets this long before its signal is aborted. */
  readonly shutdownGraceMs?: number;
}

const DEFAULT_SHUTDOWN_GRACE_MS = 5_000;

/**
 * A bounded pool of loops over durable work (rows claimed with `FOR UPDATE SKIP LOCKED`, so that
 * replicas never take the same one). Each loop runs `step` again at once while it finds work, and
 * wakes another loop then (there may be more). A loop that finds nothing sleeps until `wake()`
 * (work recorded on this replica, once its transaction has committed); one of them also polls
 * every `pollIntervalMs`, jittered (work recorded by other replicas, retries falling due), so an
 * idle replica costs one query per interval.
 *
 * Shutdown: no new step starts; steps in flight get a grace period, then their signal aborts.
 */
export abstract class PollingWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly stopping = new AbortController();
  private readonly cancel = new AbortController();
  private readonly sleepers = new Set<() => void>();
  /** A wake-up that found no sleeping loop: the next loop about to sleep looks again instead. */
  private woken = false;
  private loops: Promise<void>[] = [];

  protected constructor(
    protected readonly logger: Logger,
    private readonly settings: PollingWorkerSettings,
  ) {}

  /** One unit of work. Resolves true when it found some, false when there was nothing due. `signal` aborts on shutdown. */
  protected abstract step(signal: AbortSignal): Promise<boolean>;

  onApplicationBootstrap(): void {
    this.loops = Array.from({ length: this.settings.concurrency }, (_, index) => this.loop(index === 0));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    for (const wake of [...this.sleepers]) wake();
    const grace = setTimeout(() => this.cancel.abort(), this.settings.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS);
    await Promise.all(this.loops);
    clearTimeout(grace);
  }

  /** Work is due: wakes one sleeping loop. */
  wake(): void {
    const [sleeper] = this.sleepers;
    if (sleeper) sleeper();
    else this.woken = true;
  }

  private async loop(polls: boolean): Promise<void> {
    while (!this.stopping.signal.aborted) {
      let found = false;
      try {
        found = await this.step(this.cancel.signal);
      } catch (error) {
        // E.g. the database is down: the rows stay as they were, and are taken again later.
        this.logger.error({ err: error, worker: this.settings.name }, 'worker step failed; trying again later');
      }
      if (found) this.wake();
      else await this.idle(polls);
    }
  }

  private idle(polls: boolean): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    if (this.stopping.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = polls ? setTimeout(done, this.settings.pollIntervalMs * (0.75 + Math.random() * 0.5)) : undefined;
      this.sleepers.add(done);
    });
  }
}
