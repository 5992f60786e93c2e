import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The scoring service's state: the latest enriched profile of each lead (what a requested
 * re-analysis works from), the durable analysis jobs the worker pool runs, and every attempt of
 * every job (model, prompt version, latency, tokens, outcome, the raw reply).
 */
export class AnalysisTables1764300000000 implements MigrationInterface {
  name = 'AnalysisTables1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE lead_snapshots (
        workspace_id uuid NOT NULL,
        lead_id uuid NOT NULL,
        snapshot jsonb NOT NULL,
        enriched_at timestamptz(3) NOT NULL,
        event_id text NOT NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, lead_id)
      )`);

    await queryRunner.query(`
      CREATE TABLE analysis_jobs (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL,
        lead_id uuid NOT NULL,
        dedupe_key text NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('lead.enriched', 'lead.analysis-requested')),
        trigger_event_id text NOT NULL,
        requested_by jsonb,
        input jsonb,
        trace_headers jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'scored', 'failed', 'superseded')),
        available_at timestamptz(3) NOT NULL DEFAULT now(),
        claim_token uuid,
        attempt_count integer NOT NULL DEFAULT 0,
        rate_limited_count integer NOT NULL DEFAULT 0,
        score integer CHECK (score BETWEEN 0 AND 100),
        qualification text CHECK (qualification IN ('hot', 'warm', 'cold')),
        reason text,
        company_name text,
        model text,
        prompt_version text,
        error_code text,
        retryable boolean,
        superseded_by uuid,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        finished_at timestamptz(3),
        UNIQUE (workspace_id, lead_id, dedupe_key)
      )`);
    // The claim: queued jobs that are due, and running ones whose lease ran out (a crashed worker).
    await queryRunner.query(`CREATE INDEX analysis_jobs_due ON analysis_jobs (available_at) WHERE status IN ('queued', 'running')`);
    await queryRunner.query(`CREATE INDEX analysis_jobs_lead ON analysis_jobs (workspace_id, lead_id, created_at)`);

    await queryRunner.query(`
      CREATE TABLE analysis_attempts (
        id uuid PRIMARY KEY,
        job_id uuid NOT NULL REFERENCES analysis_jobs (id),
        attempt_number integer NOT NULL,
        workspace_id uuid NOT NULL,
        lead_id uuid NOT NULL,
        api text NOT NULL,
        model text NOT NULL,
        response_model text,
        response_id text,
        prompt_version text NOT NULL,
        started_at timestamptz(3) NOT NULL,
        latency_ms integer NOT NULL,
        input_tokens integer,
        output_tokens integer,
        total_tokens integer,
        outcome text NOT NULL,
        http_status integer,
        error_message text,
        raw_reply text,
        trace_id text,
        span_id text,
        UNIQUE (job_id, attempt_number)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE analysis_attempts, analysis_jobs, lead_snapshots`);
  }
}
