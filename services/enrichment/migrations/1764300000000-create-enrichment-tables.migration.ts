import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The enrichment results (one row per lead, the latest) and the per-domain cache of DNS answers
 * and what follows from them (class, company) until `expires_at`.
 */
export class CreateEnrichmentTables1764300000000 implements MigrationInterface {
  name = 'CreateEnrichmentTables1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE domain_cache (
        domain text PRIMARY KEY,
        registrable_domain text NOT NULL,
        dns_outcome text NOT NULL,
        mx_status text NOT NULL CHECK (mx_status IN ('valid', 'none', 'unknown')),
        mx_hosts text[] NOT NULL DEFAULT '{}',
        email_class text NOT NULL CHECK (email_class IN ('business', 'personal', 'disposable', 'invalid')),
        company_name text,
        company_domain text,
        company_confidence double precision,
        looked_up_at timestamptz(3) NOT NULL,
        expires_at timestamptz(3) NOT NULL
      )`);

    await queryRunner.query(`
      CREATE TABLE lead_enrichments (
        lead_id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL,
        submission_id text NOT NULL,
        -- ce_id of the lead.created this result answers
        source_event_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('enriched', 'failed')),
        email text NOT NULL,
        ip_address text,
        syntax_valid boolean,
        email_domain text,
        mx_status text CHECK (mx_status IN ('valid', 'none', 'unknown')),
        mx_hosts text[] NOT NULL DEFAULT '{}',
        email_class text CHECK (email_class IN ('business', 'personal', 'disposable', 'invalid')),
        geolocation jsonb,
        company jsonb,
        -- {reason, errorCode, retryable} when status = 'failed'
        failure jsonb,
        attempts integer NOT NULL,
        duration_ms integer NOT NULL,
        -- lead.created events handled for the lead (a resubmission enriches again)
        enrichment_count integer NOT NULL DEFAULT 1,
        enriched_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        CHECK ((status = 'failed') = (failure IS NOT NULL))
      )`);
    await queryRunner.query(`CREATE INDEX lead_enrichments_workspace ON lead_enrichments (workspace_id, enriched_at DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE lead_enrichments`);
    await queryRunner.query(`DROP TABLE domain_cache`);
  }
}
