import { Injectable } from '@nestjs/common';

/** A readiness check: resolves when the dependency is usable, rejects (with a reason) when not. */
export type HealthCheck = () => Promise<void>;

export interface ReadinessReport {
  status: 'ok' | 'error';
  /** Per check: `up`, or `down: <reason>`. */
  checks: Record<string, string>;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 2_000;

function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
}

/**
 * The readiness checks of this process. Modules that own a dependency register a check for it
 * (the persistence module its DataSource, messaging its producer and consumers):
 *
 *   constructor(health: HealthChecks, dataSource: DataSource) {
 *     health.register('postgres', async () => { await dataSource.query('SELECT 1'); });
 *   }
 *
 * GET /health/ready runs them all in parallel, each with a deadline.
 */
@Injectable()
export class HealthChecks {
  private readonly checks = new Map<string, HealthCheck>();

  /** Registers a named check; names are unique (a second registration under one name throws). */
  register(name: string, check: HealthCheck): void {
    if (this.checks.has(name)) throw new Error(`Health check "${name}" is already registered`);
    this.checks.set(name, check);
  }

  unregister(name: string): void {
    this.checks.delete(name);
  }

  names(): string[] {
    return [...this.checks.keys()];
  }

  /** Runs every check in parallel; a check that neither resolves nor rejects within `timeoutMs` is down. */
  async run(timeoutMs: number = DEFAULT_CHECK_TIMEOUT_MS): Promise<ReadinessReport> {
    const entries = [...this.checks.entries()];
    const results = await Promise.all(
      entries.map(async ([name, check]) => [name, await this.runOne(check, timeoutMs)] as const),
    );
    const checks = Object.fromEntries(results);
    const status = results.every(([, result]) => result === 'up') ? 'ok' : 'error';
    return { status, checks };
  }

  private async runOne(check: HealthCheck, timeoutMs: number): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      // Promise.resolve().then(check): a check that throws synchronously is down, not a crash.
      await Promise.race([Promise.resolve().then(check), deadline]);
      return 'up';
    } catch (error) {
      return `down: ${reasonOf(error)}`;
    } finally {
      clearTimeout(timer);
    }
  }
}
