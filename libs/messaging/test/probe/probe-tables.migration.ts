import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateProbeTables1764115300000 implements MigrationInterface {
  name = 'CreateProbeTables1764115300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE probe_submissions (lead_id text PRIMARY KEY, email text NOT NULL)`);
    await queryRunner.query(`
      CREATE TABLE probe_effects (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id text NOT NULL,
        lead_id text NOT NULL,
        first_name text NOT NULL,
        handled_at timestamptz NOT NULL DEFAULT now(),
        -- The (top-level) transaction that wrote the effect: which events were handled together.
        tx bigint NOT NULL DEFAULT txid_current()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE probe_effects`);
    await queryRunner.query(`DROP TABLE probe_submissions`);
  }
}
