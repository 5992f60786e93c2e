import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The gateway's part of a lead: its identity (workspace + normalised email → lead id, the
 * dedupe index), the merged profile it has been told, every submission, and idempotency keys.
 */
export class Intake1764200100000 implements MigrationInterface {
  name = 'Intake1764200100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE leads (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces (id),
        email text NOT NULL,
        profile jsonb NOT NULL,
        custom_fields jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (workspace_id, email)
      )`);
    await queryRunner.query(`
      CREATE TABLE submissions (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL,
        lead_id uuid NOT NULL REFERENCES leads (id),
        channel text NOT NULL,
        source_id text,
        fields jsonb NOT NULL,
        utm jsonb NOT NULL DEFAULT '{}',
        ip_address text,
        user_agent text,
        referrer text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX submissions_lead ON submissions (workspace_id, lead_id, created_at)`);
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        workspace_id uuid NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        status integer,
        response jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, key)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE idempotency_keys, submissions, leads`);
  }
}
