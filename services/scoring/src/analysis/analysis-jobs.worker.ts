import { LOGGER } from '@leads/observability';
import { SERVICE_CONFIG } from '@leads/service';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ScoringConfig } from '../scoring.config';
import { AnalysisJobsStore, type ClaimedJob } from './analysis-jobs.store';
import { RateLimiter } from './rate-limiter';
import { RunAnalysis } from './run-analysis.usecase';
import { scoringMetrics } from './scoring.metrics';

/** On shutdown, calls in flight get this long to finish; then they are cut and their jobs go back to the queue. */
const SHUTDOWN_GRACE_MS = 5_000;
/** A claim's lease beyond the time a job may wait in the buffer and its call may take: time to write the result. */
const LEASE_MARGIN_MS = 30_000;

/**
 * The bounded worker pool of one replica: SCORING_CONCURRENCY loops, so at most that many model
 * calls at a time. Each loop takes a token from the requests-per-minute limiter, then a job from
 * a small buffer of claimed jobs, calls the model, and writes the outcome while it already goes on
 * with the next job (one write behind at most), so database round trips do not idle a model slot.
 *
 * The buffer is filled in batches (a quarter of the concurrency) by one claim statement
 * (`FOR UPDATE SKIP LOCKED`, safe with replicas), a batch ahead while there is work. A claimed
 * job is leased: if this replica dies, the job is claimed again once the lease has run out. A loop
 * that finds nothing sleeps until woken — by a job recorded on this replica (after its
 * transaction commits), by a retry falling due, by another loop that just found work — or until
 * the poll interval has passed (jobs recorded by other replicas). Retries are not slept on: the
 * job goes back to the queue with its due time, so a waiting job never holds a slot.
 */
@Injectable()
export class AnalysisJobsWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly shutdown = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly sleepers = new Set<() => void>();
  /** A wake-up that found no sleeping loop: the next loop about to sleep looks again instead. */
  private woken = false;
  private readonly inFlight = new Set<AbortController>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Claimed jobs no loop has taken yet, due first first. */
  private readonly buffer: ClaimedJob[] = [];
  /** The latest claim under way, and how many jobs had been announced (`wake`) when it started. */
  private filling: Promise<void> | undefined;
  private fillingAfter = 0;
  private announced = 0;
  private readonly fills = new Set<Promise<void>>();

  constructor(
    private readonly store: AnalysisJobsStore,
    private readonly runner: RunAnalysis,
    private readonly limiter: RateLimiter,
    @Inject(SERVICE_CONFIG) private readonly config: ScoringConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.OPENAI_API_KEY) {
      this.logger.warn('OPENAI_API_KEY is not set: every analysis fails visibly (lead.failed, llm_not_configured); there is no fallback score');
    }
    this.loops = Array.from({ length: this.config.SCORING_CONCURRENCY }, () => this.loop());
    this.logger.info(
      { concurrency: this.config.SCORING_CONCURRENCY, requestsPerMinute: this.config.SCORING_REQUESTS_PER_MINUTE, model: this.config.SCORING_MODEL, api: this.config.SCORING_API },
      'analysis worker pool started',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shutdown.abort();
    for (const wake of this.sleepers) wake();
    for (const timer of this.timers) clearTimeout(timer);
    const drained = Promise.all(this.loops);
    const graceful = await Promise.race([drained.then(() => true), sleep(SHUTDOWN_GRACE_MS, false)]);
    if (!graceful) {
      this.logger.warn({ inFlight: this.inFlight.size }, 'cutting model calls still running at shutdown; their jobs go back to the queue');
      for (const call of this.inFlight) call.abort();
      await drained;
    }
    await Promise.all(this.fills);
    await Promise.all(this.buffer.splice(0).map((job) => this.store.release(job).catch(() => undefined)));
  }

  /** A job was recorded (or falls due): wakes one sleeping loop to claim it. */
  wake(): void {
    this.announced += 1;
    this.wakeOne();
  }

  private wakeOne(): void {
    const [sleeper] = this.sleepers;
    if (sleeper) sleeper();
    else this.woken = true;
  }

  private get stopping(): boolean {
    return this.shutdown.signal.aborted;
  }

  /** How long a claimed job may wait: its buffer time (at most a call) and its own call, plus the margin. */
  private get leaseMs(): number {
    return 2 * this.config.SCORING_TIMEOUT_MS + LEASE_MARGIN_MS;
  }

  private async loop(): Promise<void> {
    // The previous job's result being written: it overlaps this loop's next model call.
    let writing: Promise<void> = Promise.resolve();
    while (!this.stopping) {
      try {
        await this.limiter.acquire(this.shutdown.signal);
      } catch {
        break; // shutting down
      }
      const job = await this.take();
      if (!job) {
        this.limiter.refund();
        await this.idle();
        continue;
      }
      this.wakeOne(); // there may be more: another loop looks
      let callDone!: () => void;
      const called = new Promise<void>((resolve) => (callDone = resolve));
      const finished = this.process(job, callDone).finally(callDone);
      await called;
      await writing;
      writing = finished;
    }
    await writing;
  }

  /** The next claimed job: from the buffer, else from a claim; a batch is claimed ahead while there is work. */
  private async take(): Promise<ClaimedJob | undefined> {
    if (this.buffer.length === 0) await this.fill();
    if (this.stopping) return undefined;
    const job = this.buffer.shift();
    if (job && this.buffer.length === 0) void this.fill();
    return job;
  }

  /**
   * Claims a batch into the buffer. A claim already under way is shared, unless a job was
   * announced since it started: it may not see that job, so a new claim is made.
   */
  private fill(): Promise<void> {
    if (this.filling && this.fillingAfter === this.announced) return this.filling;
    const filling: Promise<void> = this.store
      .claim(this.leaseMs, Math.max(1, Math.ceil(this.config.SCORING_CONCURRENCY / 4)))
      .then((jobs) => {
        this.buffer.push(...jobs);
        // Claimed ahead: sleeping loops take them now rather than at their next poll.
        for (let index = 0; index < Math.min(jobs.length, this.sleepers.size); index += 1) this.wakeOne();
      })
      .catch((error: unknown) => this.logger.error({ err: error }, 'could not claim analysis jobs'))
      .finally(() => {
        this.fills.delete(filling);
        if (this.filling === filling) this.filling = undefined;
      });
    this.fills.add(filling);
    this.filling = filling;
    this.fillingAfter = this.announced;
    return filling;
  }

  /** One attempt of `job`; never rejects. */
  private async process(job: ClaimedJob, callDone: () => void): Promise<void> {
    const call = new AbortController();
    this.inFlight.add(call);
    scoringMetrics.inFlight.inc();
    try {
      const outcome = await this.runner.run(job, call.signal, () => {
        this.inFlight.delete(call);
        callDone();
      });
      if (outcome.kind === 'retry') this.wakeIn(outcome.retryInMs);
    } catch (error) {
      // The result could not be written (e.g. the database is down): the lease runs out and the job is claimed again.
      this.logger.error({ err: error, analysisId: job.id, leadId: job.leadId }, 'analysis attempt crashed; the job is retried when its lease expires');
    } finally {
      this.inFlight.delete(call);
      scoringMetrics.inFlight.dec();
    }
  }

  private wakeIn(ms: number): void {
    if (this.stopping) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.wake();
    }, ms + 5);
    timer.unref();
    this.timers.add(timer);
  }

  private idle(): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      // Jittered, so that the loops of idle replicas do not poll in step.
      const timer = setTimeout(done, this.config.SCORING_POLL_INTERVAL_MS * (0.75 + Math.random() * 0.5));
      this.sleepers.add(done);
    });
  }
}
