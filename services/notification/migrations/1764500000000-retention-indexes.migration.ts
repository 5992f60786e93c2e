import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What the retention looks for: finished webhook deliveries and notifications by age. */
export class RetentionIndexes1764500000000 implements MigrationInterface {
  name = 'RetentionIndexes1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (updated_at) WHERE status IN ('delivered', 'failed')`);
    await queryRunner.query(`CREATE INDEX notifications_age ON notifications (created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX webhook_deliveries_finished, notifications_age`);
  }
}
