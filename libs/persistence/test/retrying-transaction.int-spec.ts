import { createTestDatabase, type TestDatabase } from '@leads/testing';
import type { DataSource, EntityManager } from 'typeorm';
import { createDataSource, retryingTransaction } from '../src';

/** Resolves when told to: lets two transactions take their first lock before either takes its second. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('retryingTransaction against PostgreSQL', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('persistence');
    dataSource = createDataSource({ url: database.url, applicationName: 'retrying-transaction-test' });
    await dataSource.initialize();
    await dataSource.query(`CREATE TABLE counters (name text PRIMARY KEY, value integer NOT NULL)`);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  beforeEach(async () => {
    await dataSource.query(`DELETE FROM counters`);
    await dataSource.query(`INSERT INTO counters VALUES ('a', 0), ('b', 0)`);
  });

  /** Increments `first` then `second`; on its first run only, waits at `between` while holding `first`. */
  const incrementBoth = (first: string, second: string, runs: string[], between: { locked: () => void; proceed: Promise<unknown> }) => {
    let firstRun = true;
    return async (manager: EntityManager) => {
      runs.push(first);
      await manager.query(`UPDATE counters SET value = value + 1 WHERE name = $1`, [first]);
      if (firstRun) {
        firstRun = false;
        between.locked();
        await between.proceed;
      }
      await manager.query(`UPDATE counters SET value = value + 1 WHERE name = $1`, [second]);
    };
  };

  it('completes both of two transactions that deadlock, running the one PostgreSQL aborted again', async () => {
    const runs: string[] = [];
    const [aLocked, bLocked] = [gate(), gate()];
    const both = Promise.all([aLocked.opened, bLocked.opened]);
    await Promise.all([
      retryingTransaction(dataSource, incrementBoth('a', 'b', runs, { locked: aLocked.open, proceed: both })),
      retryingTransaction(dataSource, incrementBoth('b', 'a', runs, { locked: bLocked.open, proceed: both })),
    ]);

    // Each transaction's increments counted once: the aborted run left nothing behind.
    expect(await dataSource.query(`SELECT name, value FROM counters ORDER BY name`)).toEqual([
      { name: 'a', value: 2 },
      { name: 'b', value: 2 },
    ]);
    expect(runs).toHaveLength(3);
  });

  it('gives up after the given number of runs, and never retries other errors', async () => {
    let runs = 0;
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    await expect(
      retryingTransaction(
        dataSource,
        async () => {
          runs += 1;
          throw deadlock;
        },
        2,
      ),
    ).rejects.toBe(deadlock);
    expect(runs).toBe(2);

    runs = 0;
    await expect(
      retryingTransaction(dataSource, async (manager) => {
        runs += 1;
        await manager.query(`INSERT INTO counters VALUES ('a', 1)`);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(runs).toBe(1);
  });
});
