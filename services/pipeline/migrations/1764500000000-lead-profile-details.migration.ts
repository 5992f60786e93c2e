import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The rest of the standard profile in the read model: job title, website and the submitted location. */
export class LeadProfileDetails1764500000000 implements MigrationInterface {
  name = 'LeadProfileDetails1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE leads ADD COLUMN job_title text, ADD COLUMN website text, ADD COLUMN country text, ADD COLUMN region text, ADD COLUMN city text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE leads DROP COLUMN job_title, DROP COLUMN website, DROP COLUMN country, DROP COLUMN region, DROP COLUMN city`);
  }
}
