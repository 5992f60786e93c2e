import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CSV import jobs: one row per uploaded file (what was checked at upload, progress counters,
 * where a resumed job picks up) and the rows it could not import, with their reasons.
 */
export class Imports1764200500000 implements MigrationInterface {
  name = 'Imports1764200500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE imports (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces (id),
        status text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
        file_name text NOT NULL,
        file_path text NOT NULL,
        file_bytes bigint NOT NULL,
        encoding text NOT NULL,
        delimiter text NOT NULL,
        header jsonb NOT NULL,
        targets jsonb NOT NULL,
        mapping jsonb,
        pipeline_id uuid,
        actor_kind text NOT NULL,
        actor_id text NOT NULL,
        trace_headers jsonb NOT NULL DEFAULT '{}',
        rows_total integer NOT NULL,
        rows_read integer NOT NULL DEFAULT 0,
        created integer NOT NULL DEFAULT 0,
        updated integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        last_row integer NOT NULL DEFAULT 1,
        worker_token uuid,
        attempts integer NOT NULL DEFAULT 0,
        failure text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX imports_workspace ON imports (workspace_id, id DESC)`);
    await queryRunner.query(`CREATE INDEX imports_unfinished ON imports (created_at) WHERE status IN ('queued', 'running')`);
    await queryRunner.query(`
      CREATE TABLE import_errors (
        import_id uuid NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
        row_number integer NOT NULL,
        field text NOT NULL,
        message text NOT NULL,
        PRIMARY KEY (import_id, row_number, field)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE import_errors, imports`);
  }
}
