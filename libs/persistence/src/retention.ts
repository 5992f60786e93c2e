import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';

/** Rows of one table that may go once they are older than `keepMs`. */
export interface RetentionRule {
  /** Names the rule in the log line of a retention run, e.g. `webhook deliveries`. */
  readonly name: string;
  readonly table: string;
  /** SQL condition for rows that are due; `$1` is the cutoff time (now − keepMs). */
  readonly due: string;
  readonly keepMs: number;
}

/** Rows deleted per statement (one short transaction each), so a large backlog never holds long locks. */
const CHUNK = 1_000;

/**
 * Deletes every row `rule` says is due, a chunk at a time; returns how many. Rows another replica
 * is deleting at the same moment are skipped (`SKIP LOCKED`), not waited for.
 */
export async function purgeDueRows(dataSource: DataSource, rule: RetentionRule, signal?: AbortSignal): Promise<number> {
  const cutoff = new Date(Date.now() - rule.keepMs);
  let total = 0;
  for (;;) {
    const [, deleted] = (await dataSource.query(
      `DELETE FROM ${rule.table} WHERE ctid IN (SELECT ctid FROM ${rule.table} WHERE ${rule.due} LIMIT ${CHUNK} FOR UPDATE SKIP LOCKED)`,
      [cutoff],
    )) as [unknown, number];
    total += deleted;
    if (deleted < CHUNK || signal?.aborted) return total;
  }
}

/**
 * Runs the retention rules of a service now and then (every `intervalMs`, jittered, the first
 * run soon after start), until stopped. A failed run is logged and tried again at the next one.
 * As a Nest provider it starts with the application and stops before its database closes.
 */
export class RetentionSchedule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(
    private readonly dataSource: DataSource,
    private readonly rules: readonly RetentionRule[],
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(Math.min(this.intervalMs, 5_000));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over every rule; each rule's count of deleted rows. */
  async runOnce(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const rule of this.rules) {
      if (this.stopping.signal.aborted) break;
      deleted[rule.name] = await purgeDueRows(this.dataSource, rule, this.stopping.signal);
    }
    return deleted;
  }

  private schedule(delayMs: number): void {
    if (this.stopping.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then((deleted) => {
          if (Object.values(deleted).some((count) => count > 0)) this.logger.info({ deleted }, 'retention: expired rows deleted');
        })
        .catch((error: unknown) => this.logger.warn({ err: error }, 'retention failed; will retry'))
        .finally(() => this.schedule(this.intervalMs * (0.8 + Math.random() * 0.4)));
    }, delayMs);
    this.timer.unref();
  }
}
