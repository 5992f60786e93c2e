import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER } from '@leads/observability';
import { SERVICE_CONFIG } from '@leads/service';
import type { Logger } from 'pino';
import { DataSource, type QueryRunner } from 'typeorm';
import type { IngestConfig } from '../ingest.config';
import { RunImportUseCase, type ClaimedImport } from './run-import.usecase';

/** Advisory lock class of import jobs (two-key form: this class, hashtext(job id)). */
const LOCK_CLASS = 0x1e4d;
/** Unfinished jobs looked at per claim; jobs other replicas are running are skipped. */
const CANDIDATES = 32;
/** Files in IMPORTS_DIR this old with no unfinished job are leftovers (e.g. an upload cut by a crash). */
const LEFTOVER_AGE_MS = 60 * 60 * 1000;
const UUID_FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.csv$/;

interface Claim {
  job: ClaimedImport;
  /** The session holding the job's advisory lock for as long as the job runs. */
  session: QueryRunner;
}

/**
 * Runs CSV import jobs in the gateway, IMPORT_WORKERS at a time per replica. A job is claimed
 * from the queued (or abandoned running) ones with FOR UPDATE SKIP LOCKED, and held for its whole
 * run by a session-level advisory lock: while the replica lives nobody else takes it; when its
 * process or connection dies the lock goes with it, and the next poll of any replica resumes the
 * job from its last committed batch. Woken at once by an upload on this replica, by polling
 * otherwise. On shutdown each job stops after its current batch and is left for a resume.
 */
@Injectable()
export class ImportJobsWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private stopping = false;
  private loops: Promise<void>[] = [];
  private readonly sleepers = new Set<() => void>();
  /** A wake-up that found no idle loop: the next loop about to sleep looks again instead. */
  private woken = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly runner: RunImportUseCase,
    @Inject(SERVICE_CONFIG) private readonly config: IngestConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await mkdir(this.config.IMPORTS_DIR, { recursive: true }); // an unusable IMPORTS_DIR stops the boot
    this.loops = Array.from({ length: this.config.IMPORT_WORKERS }, () => this.loop());
    if (this.config.IMPORT_WORKERS > 0) void this.removeLeftovers();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const wake of this.sleepers) wake();
    await Promise.all(this.loops);
  }

  /** A job was queued on this replica. */
  wake(): void {
    const [sleeper] = this.sleepers;
    if (sleeper) sleeper();
    else this.woken = true;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let claim: Claim | undefined;
      try {
        claim = await this.claim();
      } catch (error) {
        this.logger.error({ err: error }, 'could not claim an import job');
      }
      if (claim) await this.process(claim);
      else await this.idle();
    }
  }

  private idle(): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.config.IMPORT_POLL_INTERVAL_MS);
      this.sleepers.add(done);
    });
  }

  private async claim(): Promise<Claim | undefined> {
    const session = this.dataSource.createQueryRunner();
    await session.connect();
    let held = false;
    try {
      await session.startTransaction();
      const candidates: Array<{ id: string }> = await session.query(
        `SELECT id FROM imports WHERE status IN ('queued', 'running') ORDER BY created_at LIMIT ${CANDIDATES} FOR UPDATE SKIP LOCKED`,
      );
      for (const { id } of candidates) {
        const [{ locked }] = await session.query(`SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked`, [LOCK_CLASS, id]);
        if (!locked) continue; // a live worker runs it
        held = true;
        const [[job]] = await session.query(
          `UPDATE imports SET status = 'running', worker_token = $2, attempts = attempts + 1, started_at = coalesce(started_at, now())
           WHERE id = $1
           RETURNING id, workspace_id, file_name, file_path, delimiter, header, targets, pipeline_id, actor_kind, actor_id,
                     trace_headers, last_row, worker_token`,
          [id, randomUUID()],
        );
        await session.commitTransaction();
        this.logger.info({ importId: id, resumeAfterRow: job.last_row }, job.last_row > 1 ? 'import resumed' : 'import started');
        return { job, session };
      }
      await session.commitTransaction();
    } catch (error) {
      if (session.isTransactionActive) await session.rollbackTransaction().catch(() => undefined);
      if (held) await this.unlock(session);
      await session.release();
      throw error;
    }
    await session.release();
    return undefined;
  }

  private async process({ job, session }: Claim): Promise<void> {
    try {
      await this.runner.run(job, () => this.stopping);
    } catch (error) {
      this.logger.error({ err: error, importId: job.id }, 'import job crashed');
    } finally {
      await this.unlock(session, job.id);
      await session.release();
    }
  }

  private async unlock(session: QueryRunner, id?: string): Promise<void> {
    try {
      if (id) await session.query(`SELECT pg_advisory_unlock($1, hashtext($2))`, [LOCK_CLASS, id]);
      else await session.query(`SELECT pg_advisory_unlock_all()`);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not release an import lock (it goes with the connection)');
    }
  }

  /** Uploads with no unfinished job, left by a crash mid-upload or mid-cleanup. */
  private async removeLeftovers(): Promise<void> {
    try {
      const names = await readdir(this.config.IMPORTS_DIR).catch(() => [] as string[]);
      for (const name of names) {
        const id = UUID_FILE.exec(name)?.[1];
        if (!id) continue;
        const file = path.join(this.config.IMPORTS_DIR, name);
        const { mtimeMs } = await stat(file);
        if (Date.now() - mtimeMs < LEFTOVER_AGE_MS) continue;
        const [job] = await this.dataSource.query(`SELECT status FROM imports WHERE id = $1`, [id]);
        if (job?.status === 'queued' || job?.status === 'running') continue;
        await rm(file, { force: true });
        this.logger.info({ file }, 'removed a leftover import file');
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not look for leftover import files');
    }
  }
}
