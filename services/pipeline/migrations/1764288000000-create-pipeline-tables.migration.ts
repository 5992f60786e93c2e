import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pipelines and their stages, the leads read model and the stage history. Every table is keyed
 * by (workspace_id, id) and every index starts with workspace_id: a query is always scoped to
 * one workspace. Timestamps are stored to the millisecond so they round-trip through JSON and
 * pagination cursors exactly.
 */
export class CreatePipelineTables1764288000000 implements MigrationInterface {
  name = 'CreatePipelineTables1764288000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);

    await queryRunner.query(`
      CREATE TABLE pipelines (
        workspace_id uuid NOT NULL,
        id uuid NOT NULL,
        name text NOT NULL,
        is_default boolean NOT NULL DEFAULT false,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, id)
      )`);
    // One default pipeline per workspace: also what makes creating it idempotent.
    await queryRunner.query(`CREATE UNIQUE INDEX pipelines_default ON pipelines (workspace_id) WHERE is_default`);

    await queryRunner.query(`
      CREATE TABLE stages (
        workspace_id uuid NOT NULL,
        id uuid NOT NULL,
        pipeline_id uuid NOT NULL,
        name text NOT NULL,
        color text NOT NULL CHECK (color ~ '^#[0-9a-f]{6}$'),
        kind text NOT NULL CHECK (kind IN ('open', 'win', 'lost')),
        position integer NOT NULL,
        PRIMARY KEY (workspace_id, id),
        UNIQUE (workspace_id, pipeline_id, id),
        FOREIGN KEY (workspace_id, pipeline_id) REFERENCES pipelines (workspace_id, id) ON DELETE CASCADE
      )`);

    await queryRunner.query(`
      CREATE TABLE leads (
        workspace_id uuid NOT NULL,
        id uuid NOT NULL,
        email text,
        first_name text,
        last_name text,
        phone text,
        company_name text,
        source text,
        custom_fields jsonb NOT NULL DEFAULT '{}',
        pipeline_id uuid,
        stage_id uuid,
        position double precision,
        processing_status text NOT NULL DEFAULT 'received' CHECK (processing_status IN ('received', 'enriched', 'scored', 'failed')),
        enrichment jsonb,
        score integer,
        qualification text,
        qualification_reason text,
        scoring_model text,
        failure jsonb,
        -- occurred_at of the events last applied, so that a late event never undoes a newer one
        profile_at timestamptz(3),
        profile_from_intake boolean NOT NULL DEFAULT false,
        status_at timestamptz(3),
        enrichment_at timestamptz(3),
        scored_at timestamptz(3),
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        search_text text GENERATED ALWAYS AS (
          lower(coalesce(email, '') || ' ' || coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(company_name, ''))
        ) STORED,
        PRIMARY KEY (workspace_id, id),
        CHECK ((pipeline_id IS NULL) = (stage_id IS NULL)),
        -- the stage belongs to the lead's pipeline, and a stage with leads cannot be deleted
        FOREIGN KEY (workspace_id, pipeline_id, stage_id) REFERENCES stages (workspace_id, pipeline_id, id)
      )`);
    // GET /v1/leads (newest first), a board column (Kanban order), a pipeline's funnel, search.
    await queryRunner.query(`CREATE INDEX leads_recent ON leads (workspace_id, created_at DESC, id DESC)`);
    await queryRunner.query(`CREATE INDEX leads_column ON leads (workspace_id, stage_id, position, created_at, id)`);
    await queryRunner.query(`CREATE INDEX leads_pipeline ON leads (workspace_id, pipeline_id, created_at)`);
    await queryRunner.query(`CREATE INDEX leads_search ON leads USING gin (search_text gin_trgm_ops)`);

    await queryRunner.query(`
      CREATE TABLE stage_history (
        workspace_id uuid NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        lead_id uuid NOT NULL,
        from_pipeline_id uuid,
        from_stage_id uuid,
        from_stage_name text,
        from_stage_kind text,
        to_pipeline_id uuid NOT NULL,
        to_stage_id uuid NOT NULL,
        to_stage_name text NOT NULL,
        to_stage_kind text NOT NULL,
        actor_kind text NOT NULL,
        actor_id text NOT NULL,
        channel text NOT NULL,
        bulk_move_id uuid,
        moved_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (workspace_id, id),
        FOREIGN KEY (workspace_id, lead_id) REFERENCES leads (workspace_id, id)
      )`);
    await queryRunner.query(`CREATE INDEX stage_history_by_lead ON stage_history (workspace_id, lead_id, moved_at, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE stage_history`);
    await queryRunner.query(`DROP TABLE leads`);
    await queryRunner.query(`DROP TABLE stages`);
    await queryRunner.query(`DROP TABLE pipelines`);
  }
}
