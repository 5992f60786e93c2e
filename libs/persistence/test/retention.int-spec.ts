import { createTestDatabase, expectEventually, type TestDatabase } from '@leads/testing';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { RetentionSchedule, createDataSource, purgeDueRows, type RetentionRule } from '../src';

const DAY_MS = 24 * 3_600_000;

describe('retention against PostgreSQL', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  const deliveries: RetentionRule = { name: 'deliveries', table: 'deliveries', due: `status = 'done' AND finished_at < $1`, keepMs: 30 * DAY_MS };
  const sessions: RetentionRule = { name: 'sessions', table: 'sessions', due: `expires_at < $1`, keepMs: 0 };

  /** `count` rows finished `ageDays` ago with `status`. */
  const addDeliveries = (count: number, status: string, ageDays: number) =>
    dataSource.query(`INSERT INTO deliveries (status, finished_at) SELECT $1, now() - make_interval(days => $2) FROM generate_series(1, $3)`, [status, ageDays, count]);
  const countBy = async (table: string) => dataSource.query(`SELECT status, count(*)::int AS count FROM ${table} GROUP BY status ORDER BY status`);

  beforeAll(async () => {
    database = await createTestDatabase('retention');
    dataSource = createDataSource({ url: database.url, applicationName: 'retention-test' });
    await dataSource.initialize();
    await dataSource.query(`CREATE TABLE deliveries (id serial PRIMARY KEY, status text NOT NULL, finished_at timestamptz NOT NULL)`);
    await dataSource.query(`CREATE TABLE sessions (id serial PRIMARY KEY, status text NOT NULL, expires_at timestamptz NOT NULL)`);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  beforeEach(async () => {
    await dataSource.query(`TRUNCATE deliveries, sessions`);
  });

  it('deletes every due row, over several chunks, and nothing else', async () => {
    await addDeliveries(2_345, 'done', 31);
    await addDeliveries(10, 'done', 29);
    await addDeliveries(10, 'pending', 90);

    expect(await purgeDueRows(dataSource, deliveries)).toBe(2_345);
    expect(await countBy('deliveries')).toEqual([
      { status: 'done', count: 10 },
      { status: 'pending', count: 10 },
    ]);
    expect(await purgeDueRows(dataSource, deliveries)).toBe(0);
  });

  it('runs its rules on schedule from the start of the application, until it shuts down', async () => {
    await addDeliveries(5, 'done', 40);
    await dataSource.query(`INSERT INTO sessions (status, expires_at) VALUES ('expired', now() - interval '1 minute'), ('live', now() + interval '1 hour')`);
    const schedule = new RetentionSchedule(dataSource, [deliveries, sessions], 100, pino({ level: 'silent' }));
    schedule.onApplicationBootstrap();
    try {
      await expectEventually(async () => {
        expect(await countBy('deliveries')).toEqual([]);
        expect(await countBy('sessions')).toEqual([{ status: 'live', count: 1 }]);
      });
    } finally {
      await schedule.beforeApplicationShutdown();
    }
    await addDeliveries(1, 'done', 40);
    expect(await schedule.runOnce()).toEqual({});
    expect(await countBy('deliveries')).toEqual([{ status: 'done', count: 1 }]);
  });
});
