import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { LeadChannel } from '@leads/contracts';
import { contextFromTraceHeaders } from '@leads/messaging';
import { LOGGER } from '@leads/observability';
import { retryingTransaction } from '@leads/persistence';
import { SERVICE_CONFIG, type Actor, type FieldError, type RequestScope } from '@leads/service';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { parse } from 'csv-parse';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import type { IngestConfig } from '../ingest.config';
import { IntakeService } from '../intake/intake.service';
import { LIMITS } from '../intake/submission.schema';
import { csvParseOptions, type CsvRecord, type Delimiter } from './csv-format';
import { MAX_RECORD_CHARS } from './imports.schemas';

/** A job as its worker claimed it. */
export interface ClaimedImport {
  id: string;
  workspace_id: string;
  file_name: string;
  file_path: string;
  delimiter: Delimiter;
  header: string[];
  targets: (string | null)[];
  pipeline_id: string | null;
  actor_kind: Actor['kind'];
  actor_id: string;
  trace_headers: Record<string, string>;
  /** Rows up to this one were written by an earlier run (the header is row 1). */
  last_row: number;
  /** This run's claim; a batch commits only while the job still carries it. */
  worker_token: string;
}

export type RunOutcome = 'completed' | 'failed' | 'cancelled' | 'stopped';

interface PreparedRow {
  row: number;
  fields: Record<string, string>;
  errors: FieldError[];
}

const tracer = trace.getTracer('ingest');
/** A batch is also cut at this much text, so wide rows of long values keep memory bounded too. */
const BATCH_MAX_CHARS = 4 * 1024 * 1024;

/**
 * Runs one CSV import: parses the file as a stream, validates each row, and writes the rows in
 * batches through IntakeService.acceptBatch, parsing the next batch while one is written. Each
 * batch is one transaction, committed in order, that also records its rows' errors and advances
 * the job's counters and resume point, so a job taken up again after a crash goes on from the last
 * committed batch, and a cancellation takes effect between batches.
 */
@Injectable()
export class RunImportUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly intake: IntakeService,
    @Inject(SERVICE_CONFIG) private readonly config: IngestConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Runs a claimed job until it ends, or until `stopping()` (shutdown): then it stays `running` for a resume. */
  async run(job: ClaimedImport, stopping: () => boolean): Promise<RunOutcome> {
    const log = this.logger.child({ importId: job.id });
    const scope: RequestScope = { workspaceId: job.workspace_id, actor: { kind: job.actor_kind, id: job.actor_id } };
    const parent = contextFromTraceHeaders(job.trace_headers ?? {});
    /** The batch being written while the next one is parsed; batches commit one after another, in order. */
    let pending: Promise<boolean> | undefined;
    /** Waits for the batch being written: false when the job is no longer this run's (cancelled, taken over). */
    const written = async () => (pending ? await pending : true);
    try {
      const parser = parse(csvParseOptions(job.delimiter, MAX_RECORD_CHARS));
      pipeline(createReadStream(job.file_path), parser, () => undefined); // errors surface in the iteration
      let header = true;
      let batch: CsvRecord[] = [];
      let batchChars = 0;
      let writing = true;
      for await (const record of parser as AsyncIterable<CsvRecord>) {
        if (header) {
          header = false;
          continue;
        }
        if (record.row <= job.last_row) continue;
        batch.push(record);
        for (const value of record.values) batchChars += value.length;
        if (batch.length < this.config.IMPORT_BATCH_SIZE && batchChars < BATCH_MAX_CHARS) continue;
        writing = await written();
        if (!writing || stopping()) break;
        pending = this.writeBatch(job, scope, batch, parent);
        pending.catch(() => undefined); // awaited by the next batch, or below: a failure surfaces there
        batch = [];
        batchChars = 0;
      }
      if (writing) writing = await written();
      if (writing && !stopping() && batch.length > 0) writing = await this.writeBatch(job, scope, batch, parent);
      if (!writing) return await this.stopped(job);
      if (stopping()) return 'stopped';
      const [, finished] = await this.dataSource.query(
        `UPDATE imports SET status = 'completed', finished_at = now(), worker_token = NULL
         WHERE id = $1 AND worker_token = $2 AND status = 'running'`,
        [job.id, job.worker_token],
      );
      if (!finished) return await this.stopped(job);
      await rm(job.file_path, { force: true });
      log.info('import completed');
      return 'completed';
    } catch (error) {
      await pending?.catch(() => undefined); // the batch in flight settles before the job is marked failed
      log.error({ err: error }, 'import failed');
      const code = String((error as { code?: unknown }).code ?? '');
      // Only what is about the file is told; anything else (SQL, bugs) stays in the log.
      const failure =
        code === 'ENOENT'
          ? 'The uploaded file is not available to this replica: IMPORTS_DIR must be shared by every replica.'
          : code.startsWith('CSV_')
            ? `The file could not be parsed: ${(error as Error).message}`
            : 'The import stopped on an unexpected error; the rows counted in rowsRead were imported.';
      const [, failed] = await this.dataSource.query(
        `UPDATE imports SET status = 'failed', failure = $3, finished_at = now(), worker_token = NULL
         WHERE id = $1 AND worker_token = $2 AND status = 'running'`,
        [job.id, job.worker_token, failure],
      );
      if (failed) await rm(job.file_path, { force: true });
      return 'failed';
    }
  }

  /** The job is no longer this run's: cancelled (its file goes), or taken over by another worker. */
  private async stopped(job: ClaimedImport): Promise<RunOutcome> {
    const [row] = await this.dataSource.query(`SELECT status FROM imports WHERE id = $1`, [job.id]);
    if (row?.status === 'cancelled') {
      await rm(job.file_path, { force: true });
      this.logger.info({ importId: job.id }, 'import cancelled');
      return 'cancelled';
    }
    return 'stopped';
  }

  /** Writes one batch; false when the job was cancelled (or is no longer this run's), nothing written. */
  private async writeBatch(job: ClaimedImport, scope: RequestScope, records: CsvRecord[], parent: ReturnType<typeof contextFromTraceHeaders>): Promise<boolean> {
    const rows = records.map((record) => this.prepare(job, record));
    return tracer.startActiveSpan('csv-import batch', { attributes: { 'import.id': job.id, 'import.rows': rows.length } }, parent, async (span) => {
      try {
        // A deadlock or serialization failure: the batch is written again as a whole.
        return await retryingTransaction(this.dataSource, (manager) => this.writeRows(manager, job, scope, rows));
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  private async writeRows(manager: EntityManager, job: ClaimedImport, scope: RequestScope, rows: PreparedRow[]): Promise<boolean> {
    const [state] = await manager.query(`SELECT status, worker_token FROM imports WHERE id = $1 FOR UPDATE`, [job.id]);
    if (state?.status !== 'running' || state.worker_token !== job.worker_token) return false;
    const valid = rows.filter((row) => row.errors.length === 0);
    const outcomes = await this.intake.acceptBatch(
      manager,
      scope,
      valid.map((row) => ({
        fields: row.fields,
        channel: LeadChannel.CSV_IMPORT,
        sourceId: job.id,
        sourceName: job.file_name,
        pipelineId: job.pipeline_id ?? undefined,
        importRow: row.row,
      })),
    );
    let created = 0;
    let updated = 0;
    outcomes.forEach((outcome, index) => {
      if (!outcome.accepted) valid[index].errors.push(...outcome.errors);
      else if (outcome.duplicate) updated += 1;
      else created += 1;
    });
    const failedRows = rows.filter((row) => row.errors.length > 0);
    const errors = failedRows.flatMap((row) => dedupeByField(row.errors).map((error) => ({ row: row.row, ...error })));
    if (errors.length > 0) {
      await manager.query(
        `INSERT INTO import_errors (import_id, row_number, field, message)
         SELECT $1, row_number, field, message FROM unnest($2::int[], $3::text[], $4::text[]) AS t (row_number, field, message)
         ON CONFLICT DO NOTHING`,
        [job.id, errors.map((error) => error.row), errors.map((error) => error.field), errors.map((error) => error.reason)],
      );
    }
    await manager.query(
      `UPDATE imports SET rows_read = rows_read + $2, created = created + $3, updated = updated + $4, failed = failed + $5, last_row = $6
       WHERE id = $1`,
      [job.id, rows.length, created, updated, failedRows.length, rows[rows.length - 1].row],
    );
    return true;
  }

  /** One CSV row as a submission: `{target: value}` for its non-empty mapped cells, and what is wrong with it. */
  private prepare(job: ClaimedImport, record: CsvRecord): PreparedRow {
    const errors: FieldError[] = [];
    const fields: Record<string, string> = {};
    const { values } = record;
    if (values.length > job.header.length && values.slice(job.header.length).some((value) => value.trim() !== '')) {
      errors.push({ field: '(row)', reason: `has ${values.length} values but the header names ${job.header.length} columns` });
    }
    job.targets.forEach((target, index) => {
      const value = values[index];
      if (target === null || value === undefined || value.trim() === '') return;
      if (value.length > LIMITS.stringLength) errors.push({ field: job.header[index], reason: `is longer than ${LIMITS.stringLength} characters` });
      fields[target] = value;
    });
    // A row already refused also names a bad email; otherwise acceptBatch validates it.
    if (errors.length > 0) errors.push(...this.intake.check(fields));
    return { row: record.row, fields, errors };
  }
}

function dedupeByField(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((error) => !seen.has(error.field) && seen.add(error.field));
}
