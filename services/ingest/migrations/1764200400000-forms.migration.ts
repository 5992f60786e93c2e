import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Web forms: a public form key each, the origins allowed to post, an optional thank-you URL. */
export class Forms1764200400000 implements MigrationInterface {
  name = 'Forms1764200400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE forms (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces (id),
        name text NOT NULL,
        form_key text NOT NULL UNIQUE,
        allowed_origins text[] NOT NULL,
        redirect_url text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX forms_workspace ON forms (workspace_id, created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE forms`);
  }
}
