import { rm } from 'node:fs/promises';
import { Injectable } from '@nestjs/common';
import { conflict, notFound, type RequestScope } from '@leads/service';
import { DataSource } from 'typeorm';
import { fieldOf } from './imports.schemas';

export type ImportStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface ImportError {
  row: number;
  field: string;
  message: string;
}

export interface ImportView {
  id: string;
  status: ImportStatus;
  fileName: string;
  /** Data rows in the file (the header not counted). */
  rowsTotal: number;
  /** Data rows processed so far: created + updated + failed. */
  rowsRead: number;
  created: number;
  updated: number;
  failed: number;
  /** Each column and the field its values go to (`ignore` for an ignored column). */
  columns: Array<{ name: string; field: string }>;
  pipelineId: string | null;
  /** Why the job failed (status `failed`). */
  failure: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Shown in GET /v1/imports/:id; the full list is the errors.csv report. */
export const ERRORS_SHOWN = 100;
const ERRORS_PAGE = 5_000;

const VIEW_COLUMNS = `id, status, file_name, rows_total, rows_read, created, updated, failed, header, targets, pipeline_id, failure,
  created_at, started_at, finished_at`;

interface ImportRow {
  id: string;
  status: ImportStatus;
  file_name: string;
  rows_total: number;
  rows_read: number;
  created: number;
  updated: number;
  failed: number;
  header: string[];
  targets: (string | null)[];
  pipeline_id: string | null;
  failure: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

function toView(row: ImportRow): ImportView {
  return {
    id: row.id,
    status: row.status,
    fileName: row.file_name,
    rowsTotal: row.rows_total,
    rowsRead: row.rows_read,
    created: row.created,
    updated: row.updated,
    failed: row.failed,
    columns: row.header.map((name, index) => ({ name, field: row.targets[index] === null ? 'ignore' : fieldOf(row.targets[index]!) })),
    pipelineId: row.pipeline_id,
    failure: row.failure,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}

/** Reads and commands on a workspace's imports; another workspace's import is not found. */
@Injectable()
export class ImportsStore {
  constructor(private readonly dataSource: DataSource) {}

  async get(scope: RequestScope, id: string): Promise<ImportView & { errors: ImportError[] }> {
    const [row] = await this.dataSource.query(`SELECT ${VIEW_COLUMNS} FROM imports WHERE id = $1 AND workspace_id = $2`, [id, scope.workspaceId]);
    if (!row) throw notFound('Import');
    const errors: ImportError[] = await this.dataSource.query(
      `SELECT row_number AS row, field, message FROM import_errors WHERE import_id = $1 ORDER BY row_number, field LIMIT ${ERRORS_SHOWN}`,
      [id],
    );
    return { ...toView(row), errors };
  }

  async list(scope: RequestScope, limit: number, cursor?: string): Promise<{ items: ImportView[]; nextCursor: string | null }> {
    const rows: ImportRow[] = await this.dataSource.query(
      `SELECT ${VIEW_COLUMNS} FROM imports WHERE workspace_id = $1 AND ($2::uuid IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
      [scope.workspaceId, cursor ?? null, limit + 1],
    );
    const items = rows.slice(0, limit).map(toView);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1].id : null };
  }

  async assertExists(scope: RequestScope, id: string): Promise<void> {
    const [row] = await this.dataSource.query(`SELECT 1 FROM imports WHERE id = $1 AND workspace_id = $2`, [id, scope.workspaceId]);
    if (!row) throw notFound('Import');
  }

  /** Every error of an import, in row order, a page at a time (keyset pagination). */
  async *errors(id: string): AsyncGenerator<ImportError[]> {
    let after = { row: 0, field: '' };
    for (;;) {
      const page: ImportError[] = await this.dataSource.query(
        `SELECT row_number AS row, field, message FROM import_errors
         WHERE import_id = $1 AND (row_number, field) > ($2, $3) ORDER BY row_number, field LIMIT ${ERRORS_PAGE}`,
        [id, after.row, after.field],
      );
      if (page.length > 0) yield page;
      if (page.length < ERRORS_PAGE) return;
      after = page[page.length - 1];
    }
  }

  /**
   * Cancels a queued or running import. A running job stops before its next batch: the rows it
   * already wrote stay. Waits for a batch in progress (it holds the import's row), so once this
   * returns the counters are final.
   */
  async cancel(scope: RequestScope, id: string): Promise<ImportView & { errors: ImportError[] }> {
    // An UPDATE answers [rows, count].
    const [[row]] = await this.dataSource.query(
      `WITH previous AS (SELECT id, status, file_path FROM imports WHERE id = $1 AND workspace_id = $2 FOR UPDATE)
       UPDATE imports SET status = CASE WHEN previous.status IN ('queued', 'running') THEN 'cancelled' ELSE imports.status END,
                          finished_at = CASE WHEN previous.status IN ('queued', 'running') THEN now() ELSE imports.finished_at END,
                          worker_token = CASE WHEN previous.status IN ('queued', 'running') THEN NULL ELSE imports.worker_token END
       FROM previous WHERE imports.id = previous.id
       RETURNING previous.status AS previous, previous.file_path`,
      [id, scope.workspaceId],
    );
    if (!row) throw notFound('Import');
    if (row.previous === 'completed' || row.previous === 'failed') {
      throw conflict('import-finished', `The import has already finished (${row.previous}).`, { importStatus: row.previous });
    }
    // A queued job never ran: nobody else will delete its file. A running job's worker does.
    if (row.previous === 'queued') await rm(row.file_path, { force: true });
    return this.get(scope, id);
  }
}
