import { expectEventually } from './expect-eventually';

describe('expectEventually', () => {
  afterEach(() => jest.useRealTimers());

  it('returns the value of the first attempt that does not throw', async () => {
    let calls = 0;
    const value = await expectEventually(
      () => {
        calls += 1;
        expect(calls).toBeGreaterThanOrEqual(3);
        return `ready after ${calls}`;
      },
      { intervalMs: 1 },
    );
    expect(value).toBe('ready after 3');
    expect(calls).toBe(3);
  });

  it('awaits async assertions and retries on rejection', async () => {
    let calls = 0;
    await expect(
      expectEventually(
        async () => {
          calls += 1;
          if (calls < 2) throw new Error('not yet');
          return { id: 'l-1' };
        },
        { intervalMs: 1 },
      ),
    ).resolves.toEqual({ id: 'l-1' });
  });

  it('does not pause when the first attempt passes', async () => {
    const started = Date.now();
    await expectEventually(() => undefined, { intervalMs: 10_000 });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('rethrows the last error at the deadline, prefixed with description, elapsed time and attempts', async () => {
    let calls = 0;
    const failure = await expectEventually(
      () => {
        calls += 1;
        expect(calls).toBe(-1);
      },
      { timeoutMs: 200, intervalMs: 20, description: 'lead l-1 scored' },
    ).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(Error);
    const { message, stack } = failure as Error;
    expect(message).toMatch(/^lead l-1 scored: still failing after \d+ ms \(\d+ attempts\): expect\(received\)\.toBe\(expected\)/);
    const elapsed = Number(/after (\d+) ms/.exec(message)?.[1]);
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(2_000);
    expect(message).toContain(`Received: ${calls}`); // the last attempt's error, not the first
    expect(calls).toBeGreaterThan(2);
    expect(stack).toContain('lead l-1 scored: still failing');
    expect((failure as { matcherResult?: unknown }).matcherResult).toBeDefined(); // still Jest's error
  });

  it('wraps thrown non-errors', async () => {
    await expect(
      expectEventually(
        () => {
          throw 'a string';
        },
        { timeoutMs: 0 },
      ),
    ).rejects.toThrow(/^expectEventually: still failing after \d+ ms \(1 attempt\): a string$/);
  });

  it('stops at the deadline even when an attempt never settles', async () => {
    let calls = 0;
    const started = Date.now();
    const failure = (await expectEventually(
      () => {
        calls += 1;
        if (calls === 1) throw new Error('first failure');
        return new Promise<never>(() => undefined);
      },
      { timeoutMs: 150, intervalMs: 1, description: 'hanging' },
    ).catch((error: unknown) => error)) as Error;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(failure.message).toMatch(
      /^hanging: still failing after \d+ ms \(2 attempts\): the last attempt did not settle before the deadline; the attempt before it failed with: first failure$/,
    );
  });

  it('keeps working while the test uses fake timers', async () => {
    jest.useFakeTimers();
    let calls = 0;
    await expect(
      expectEventually(
        () => {
          calls += 1;
          expect(calls).toBe(3);
          return calls;
        },
        { intervalMs: 5, timeoutMs: 5_000 },
      ),
    ).resolves.toBe(3);
  });

  it('rejects negative options', async () => {
    await expect(expectEventually(() => 1, { timeoutMs: -1 })).rejects.toThrow(RangeError);
  });
});
