import { CreateMessagingTables1764115200000, createDataSource, runMigrations } from '@leads/persistence';
import { createTestDatabase, queryDatabase, type TestDatabase } from '@leads/testing';
import type { Producer, ProducerBatch } from 'kafkajs';
import pino from 'pino';
import { DataSource } from 'typeorm';
import type { MessagingMetrics } from '../src/messaging.metrics';
import { OutboxRelay } from '../src/outbox/outbox-relay';

/**
 * The relay's database side, against PostgreSQL, with a stand-in producer (no broker): the queue
 * of pending rows, what happens when Kafka refuses a batch, the upgrade of a database that ran only
 * the first messaging migration, and retention above 10,000 rows.
 */
describe('outbox relay', () => {
  const metrics = { published: { inc: () => undefined } } as unknown as MessagingMetrics;
  const logger = pino({ level: 'silent' });
  let database: TestDatabase;
  let dataSource: DataSource;
  const sent: ProducerBatch[] = [];
  let kafkaDown = false;
  const producer = {
    sendBatch: async (batch: ProducerBatch) => {
      if (kafkaDown) throw new Error('KafkaJSConnectionError: Connection refused');
      sent.push(batch);
      return [];
    },
  } as unknown as Producer;
  const relay = () => new OutboxRelay(dataSource, producer, metrics, logger, { databaseUrl: database.url });
  const sentKeys = () => sent.flatMap((batch) => batch.topicMessages!.flatMap((topic) => topic.messages.map((message) => String(message.key))));
  const query = <Row = Record<string, unknown>>(sql: string, params: unknown[] = []) => queryDatabase<Row>(database.url, sql, params);
  /** Outbox rows as the first migration's writers (and this one's Outbox) insert them. */
  const insertRows = (keys: string[]) =>
    query(
      `INSERT INTO messaging_outbox (event_id, topic, message_key, value, headers)
       SELECT gen_random_uuid()::text, 'lead.created', key, '\\x00'::bytea, '{"ce_id":"x"}'::jsonb FROM unnest($1::text[]) AS key`,
      [keys],
    );

  beforeEach(async () => {
    database = await createTestDatabase('outbox_relay');
    sent.length = 0;
    kafkaDown = false;
  });

  afterEach(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await database?.drop();
  });

  it('upgrades a database of the first migration: pending rows are queued, rows an older relay published are not sent again', async () => {
    const first = new DataSource({
      type: 'postgres',
      url: database.url,
      migrations: [CreateMessagingTables1764115200000],
      migrationsTableName: 'schema_migrations',
    });
    await runMigrations(first);
    await insertRows(['published-before', 'pending-1', 'pending-2', 'pending-3']);
    await query(`UPDATE messaging_outbox SET published_at = now() WHERE message_key = 'published-before'`);

    dataSource = await createDataSource({ url: database.url, applicationName: 'relay-test' }).initialize();
    expect(await runMigrations(dataSource)).toEqual(['MessagingOutboxQueue1764288000000']);
    expect(await query(`SELECT count(*)::int AS n FROM messaging_outbox_queue`)).toEqual([{ n: 3 }]);

    // A relay of the previous release, still running during the deploy, publishes one of them.
    await query(`UPDATE messaging_outbox SET published_at = now() WHERE message_key = 'pending-2'`);
    await insertRows(['after-upgrade']); // queued by the trigger
    expect(await relay().publishBatch()).toBe(4); // queue entries taken: three sent, one skipped

    expect(sentKeys()).toEqual(['pending-1', 'pending-3', 'after-upgrade']);
    expect(await query(`SELECT count(*)::int AS n FROM messaging_outbox_queue`)).toEqual([{ n: 0 }]);
    expect(await query(`SELECT message_key FROM messaging_outbox WHERE published_at IS NULL`)).toEqual([]);
  });

  it('keeps rows queued and unpublished while Kafka refuses them, and publishes them in order once it takes them', async () => {
    dataSource = await createDataSource({ url: database.url, applicationName: 'relay-test' }).initialize();
    await runMigrations(dataSource);
    await insertRows(['a', 'b']);
    await insertRows(['c']);

    kafkaDown = true;
    await expect(relay().publishBatch()).rejects.toThrow('Connection refused');
    expect(await query(`SELECT count(*)::int AS n FROM messaging_outbox_queue`)).toEqual([{ n: 3 }]);
    expect(await query(`SELECT count(*)::int AS n FROM messaging_outbox WHERE published_at IS NULL`)).toEqual([{ n: 3 }]);

    kafkaDown = false;
    expect(await relay().publishBatch()).toBe(3);
    expect(sentKeys()).toEqual(['a', 'b', 'c']);
    expect(await query(`SELECT count(*)::int AS n FROM messaging_outbox WHERE published_at IS NULL`)).toEqual([{ n: 0 }]);
  });

  it('deletes everything past retention in one run, however many rows that is, and nothing else', async () => {
    dataSource = await createDataSource({ url: database.url, applicationName: 'relay-test' }).initialize();
    await runMigrations(dataSource);
    const expired = 12_345; // more than the 10,000 a run used to delete at most
    await insertRows(Array.from({ length: expired }, (_, i) => `expired-${i}`));
    await insertRows(['recent-1', 'recent-2']);
    await query(`UPDATE messaging_outbox SET published_at = now() - interval '2 hours' WHERE message_key LIKE 'expired-%'`);
    await query(`UPDATE messaging_outbox SET published_at = now() - interval '1 minute' WHERE message_key LIKE 'recent-%'`);
    await query(`DELETE FROM messaging_outbox_queue`); // as the relay left them
    await insertRows(['pending']);

    expect(await relay().deleteExpired()).toBe(expired);
    expect(await query(`SELECT message_key FROM messaging_outbox ORDER BY id`)).toEqual([
      { message_key: 'recent-1' },
      { message_key: 'recent-2' },
      { message_key: 'pending' },
    ]);
    expect(await relay().deleteExpired()).toBe(0);
  });
});
