import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Mailer, type SentMail } from '@leads/mail';
import { LOGGER } from '@leads/observability';
import { SERVICE_CONFIG } from '@leads/service';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import type { SequencesConfig } from '../sequences.config';
import { backoffMs, shouldRetry, smtpFailure } from './send-policy';
import { SendsStore, type ClaimedSend } from './sends.store';
import { sendingMetrics } from './sending.metrics';

/**
 * How long a claimed step is kept from other replicas. Only recovery after a crash waits for it:
 * a step is never sent twice however long its SMTP exchange takes (see SendsStore). Far longer
 * than the Mailer's 15 s SMTP timeouts.
 */
const LEASE_MS = 5 * 60_000;
/** At shutdown, sends in flight get this long to finish (a little more than one SMTP timeout). */
const SHUTDOWN_GRACE_MS = 20_000;

/**
 * The scheduler of one replica: up to SEQUENCES_CONCURRENCY emails at a time. It claims due steps
 * as slots free up, sends each through SMTP and records the outcome. When nothing is due it
 * sleeps until woken (an enrolment made on this replica) or for the poll interval (enrolments
 * made by other replicas, steps falling due).
 */
@Injectable()
export class SendingWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly shutdown = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private loop: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  /** A wake-up while the loop was busy: it looks again instead of sleeping. */
  private woken = false;

  constructor(
    private readonly store: SendsStore,
    private readonly mailer: Mailer,
    @Inject(SERVICE_CONFIG) private readonly config: SequencesConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.SEQUENCES_CONCURRENCY === 0) {
      this.logger.info('SEQUENCES_CONCURRENCY is 0: this replica enrols leads but sends no email');
      return;
    }
    this.loop = this.run();
    this.logger.info({ concurrency: this.config.SEQUENCES_CONCURRENCY, pollIntervalMs: this.config.SEQUENCES_POLL_INTERVAL_MS }, 'sequence scheduler started');
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shutdown.abort();
    this.wakeUp?.();
    // The loop claims nothing more; it may still be waiting for a free slot, i.e. for a send.
    const drained = await Promise.race([
      this.loop.then(() => Promise.all(this.inFlight)).then(() => true),
      sleep(SHUTDOWN_GRACE_MS, false),
    ]);
    if (!drained) this.logger.warn({ inFlight: this.inFlight.size }, 'sends still running at shutdown: they are recorded unknown once their lease runs out');
    this.mailer.close();
  }

  /** Something may be due: look now. */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.woken = true;
  }

  private get stopping(): boolean {
    return this.shutdown.signal.aborted;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const free = this.config.SEQUENCES_CONCURRENCY - this.inFlight.size;
      if (free > 0) {
        const claimed = await this.claim(free);
        for (const send of claimed) this.track(this.deliver(send));
        if (claimed.length > 0) continue;
        await this.idle();
      } else {
        await Promise.race(this.inFlight);
      }
    }
  }

  private async claim(limit: number): Promise<ClaimedSend[]> {
    try {
      const { sends, abandoned } = await this.store.claim(limit, LEASE_MS);
      if (abandoned > 0) {
        sendingMetrics.emails.inc({ outcome: 'unknown' }, abandoned);
        this.logger.warn({ abandoned }, 'found steps a stopped replica was sending: recorded unknown, not sent again');
      }
      return sends;
    } catch (error) {
      this.logger.error({ err: error }, 'could not claim due steps');
      return [];
    }
  }

  private track(delivery: Promise<void>): void {
    this.inFlight.add(delivery);
    sendingMetrics.inFlight.inc();
    void delivery.finally(() => {
      this.inFlight.delete(delivery);
      sendingMetrics.inFlight.dec();
    });
  }

  /** Sends one step and records the outcome; never rejects. */
  private async deliver(send: ClaimedSend): Promise<void> {
    const log = { sendId: send.sendId, enrollmentId: send.enrollmentId, step: send.step, attempt: send.attempt };
    const started = performance.now();
    let sent: SentMail | undefined;
    let refusal: unknown;
    try {
      sent = await this.mailer.send(send.mail);
    } catch (error) {
      refusal = error;
    }
    sendingMetrics.smtpDuration.observe({ result: sent ? 'accepted' : 'refused' }, (performance.now() - started) / 1000);
    try {
      if (sent) {
        if (await this.store.recordSent(send, sent)) sendingMetrics.emails.inc({ outcome: 'sent' });
        return;
      }
      const failure = smtpFailure(refusal);
      if (shouldRetry(failure, send.attempt, this.config.SEQUENCES_SEND_MAX_ATTEMPTS)) {
        const delayMs = backoffMs(send.attempt, this.config.SEQUENCES_RETRY_BASE_MS, this.config.SEQUENCES_RETRY_MAX_MS);
        if (await this.store.recordRetry(send, failure.reason, failure.response, delayMs)) sendingMetrics.emails.inc({ outcome: 'retrying' });
        this.logger.warn({ ...log, reason: failure.reason, retryInMs: delayMs }, 'SMTP failed transiently: the step is tried again');
      } else {
        if (await this.store.recordFailed(send, failure.reason, failure.response)) sendingMetrics.emails.inc({ outcome: 'failed' });
        this.logger.warn({ ...log, reason: failure.reason, permanent: failure.permanent }, 'step email failed: the enrolment stops');
      }
    } catch (error) {
      // The send row stays `sending`: once the lease runs out the step is recorded unknown, never sent again.
      this.logger.error({ ...log, err: error, accepted: !!sent }, 'could not record the outcome of a step email');
    }
  }

  private idle(): Promise<void> {
    if (this.woken || this.stopping) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      // Jittered, so that idle replicas do not poll in step.
      const timer = setTimeout(done, this.config.SEQUENCES_POLL_INTERVAL_MS * (0.75 + Math.random() * 0.5));
      this.wakeUp = done;
    });
  }
}
