import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The transactional outbox and the idempotent-consumer inbox that every service owns.
 * An outbox row holds the fully encoded CloudEvent (value and headers, trace context included),
 * so the relay only copies bytes to Kafka. Inserting a row wakes the relay through NOTIFY,
 * which PostgreSQL delivers at commit: a rolled-back event never wakes anyone.
 */
export class CreateMessagingTables1764115200000 implements MigrationInterface {
  name = 'CreateMessagingTables1764115200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE messaging_outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id text NOT NULL UNIQUE,
        topic text NOT NULL,
        message_key text NOT NULL,
        value bytea NOT NULL,
        headers jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX messaging_outbox_pending ON messaging_outbox (id) WHERE published_at IS NULL`,
    );
    await queryRunner.query(`
      CREATE FUNCTION messaging_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('messaging_outbox', '');
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER messaging_outbox_notify AFTER INSERT ON messaging_outbox
      FOR EACH STATEMENT EXECUTE FUNCTION messaging_outbox_notify()`);
    await queryRunner.query(`
      CREATE TABLE messaging_inbox (
        consumer text NOT NULL,
        event_id text NOT NULL,
        topic text NOT NULL,
        handled_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE messaging_inbox`);
    await queryRunner.query(`DROP TRIGGER messaging_outbox_notify ON messaging_outbox`);
    await queryRunner.query(`DROP FUNCTION messaging_outbox_notify()`);
    await queryRunner.query(`DROP TABLE messaging_outbox`);
  }
}
