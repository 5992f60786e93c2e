import { DEFAULT_CHECK_TIMEOUT_MS, HealthChecks } from './health-checks';

describe('HealthChecks', () => {
  afterEach(() => jest.useRealTimers());

  it('is ok with no checks', async () => {
    await expect(new HealthChecks().run()).resolves.toEqual({ status: 'ok', checks: {} });
  });

  it('reports each check up or down with its reason', async () => {
    const health = new HealthChecks();
    health.register('postgres', async () => undefined);
    health.register('kafka', async () => {
      throw new Error('broker unreachable');
    });
    health.register('sync-throw', () => {
      throw new TypeError('not even async');
    });
    health.register('odd-rejection', () => Promise.reject('string reason'));
    await expect(health.run()).resolves.toEqual({
      status: 'error',
      checks: {
        postgres: 'up',
        kafka: 'down: broker unreachable',
        'sync-throw': 'down: not even async',
        'odd-rejection': 'down: string reason',
      },
    });
  });

  it('runs checks in parallel', async () => {
    const health = new HealthChecks();
    let releaseFirst!: () => void;
    const secondStarted = new Promise<void>((resolve) => (releaseFirst = resolve));
    // Would time out if the second check only started once the first had finished.
    health.register('first', () => secondStarted);
    health.register('second', async () => releaseFirst());
    await expect(health.run(1_000)).resolves.toEqual({ status: 'ok', checks: { first: 'up', second: 'up' } });
  });

  it('marks a check that hangs past the 2 s default as down, without waiting longer', async () => {
    jest.useFakeTimers();
    expect(DEFAULT_CHECK_TIMEOUT_MS).toBe(2_000);
    const health = new HealthChecks();
    health.register('hangs', () => new Promise<void>(() => undefined));
    health.register('fine', async () => undefined);
    let settled = false;
    const report = health.run().finally(() => (settled = true));
    await jest.advanceTimersByTimeAsync(1_999);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await expect(report).resolves.toEqual({
      status: 'error',
      checks: { hangs: 'down: timed out after 2000 ms', fine: 'up' },
    });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('refuses a second check under the same name, and can unregister', () => {
    const health = new HealthChecks();
    health.register('postgres', async () => undefined);
    expect(() => health.register('postgres', async () => undefined)).toThrow('already registered');
    health.unregister('postgres');
    health.register('postgres', async () => undefined);
    expect(health.names()).toEqual(['postgres']);
  });
});
