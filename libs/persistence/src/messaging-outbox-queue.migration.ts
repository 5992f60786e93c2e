import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The relay's work queue moves out of the outbox rows, so that marking a row published is cheap.
 *
 * Before: the relay found pending rows through the partial index `messaging_outbox_pending
 * (id) WHERE published_at IS NULL`. Since `published_at` was in an index predicate,
 * `UPDATE … SET published_at` could never be a HOT update: every published event wrote a second
 * full copy of its row (value and headers, about 1.3 KB) plus new entries in both unique indexes.
 *
 * After: `messaging_outbox_queue` holds the ids of the rows not yet published (8 bytes a row),
 * filled by a statement trigger in the inserting transaction, so every writer of the outbox, old
 * code included, enqueues its rows atomically. The relay deletes the ids it claims (rolled back if
 * Kafka refuses the batch: delayed, never lost) and sets `published_at`, which no index mentions
 * any more: with the free space a fill factor of 50 leaves on each page, that update is HOT and
 * logs a few dozen bytes. `published_at IS NULL` still means "not yet published", and published
 * rows stay in `messaging_outbox` for inspection until the relay's retention deletes them.
 */
export class MessagingOutboxQueue1764288000000 implements MigrationInterface {
  name = 'MessagingOutboxQueue1764288000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE messaging_outbox_queue (id bigint PRIMARY KEY)`);
    await queryRunner.query(`
      CREATE FUNCTION messaging_outbox_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO messaging_outbox_queue (id) SELECT id FROM inserted;
        RETURN NULL;
      END $$`);
    // Creating the trigger locks out writers of the outbox until this migration commits, so the
    // copy below sees every row inserted without the trigger.
    await queryRunner.query(`
      CREATE TRIGGER messaging_outbox_enqueue AFTER INSERT ON messaging_outbox
      REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION messaging_outbox_enqueue()`);
    await queryRunner.query(
      `INSERT INTO messaging_outbox_queue (id) SELECT id FROM messaging_outbox WHERE published_at IS NULL`,
    );
    await queryRunner.query(`DROP INDEX messaging_outbox_pending`);
    // Room on each page for the published version of its rows (new pages only; old ones age out).
    await queryRunner.query(`ALTER TABLE messaging_outbox SET (fillfactor = 50)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messaging_outbox RESET (fillfactor)`);
    await queryRunner.query(
      `CREATE INDEX messaging_outbox_pending ON messaging_outbox (id) WHERE published_at IS NULL`,
    );
    await queryRunner.query(`DROP TRIGGER messaging_outbox_enqueue ON messaging_outbox`);
    await queryRunner.query(`DROP FUNCTION messaging_outbox_enqueue()`);
    await queryRunner.query(`DROP TABLE messaging_outbox_queue`);
  }
}
