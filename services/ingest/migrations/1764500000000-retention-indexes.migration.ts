import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What the retention looks for: expired sessions and old idempotency keys. */
export class RetentionIndexes1764500000000 implements MigrationInterface {
  name = 'RetentionIndexes1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX sessions_expiry ON sessions (expires_at)`);
    await queryRunner.query(`CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX sessions_expiry, idempotency_keys_age`);
  }
}
