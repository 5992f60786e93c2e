import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook sources: the URL token as a SHA-256 (the lookup) and sealed (to show the URL again);
 * signing secrets sealed with SECRETS_KEY (AES-256-GCM), several valid during a rotation.
 */
export class Webhooks1764200300000 implements MigrationInterface {
  name = 'Webhooks1764200300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE webhook_sources (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces (id),
        name text NOT NULL,
        token_hash bytea NOT NULL UNIQUE,
        token_sealed bytea NOT NULL,
        field_mapping jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX webhook_sources_workspace ON webhook_sources (workspace_id, created_at)`);
    await queryRunner.query(`
      CREATE TABLE webhook_source_secrets (
        id uuid PRIMARY KEY,
        source_id uuid NOT NULL REFERENCES webhook_sources (id) ON DELETE CASCADE,
        secret_sealed bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX webhook_source_secrets_source ON webhook_source_secrets (source_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webhook_source_secrets, webhook_sources`);
  }
}
