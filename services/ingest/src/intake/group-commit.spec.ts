import { GroupCommit, type ItemOutcome } from './group-commit';

/** A batch writer whose batches finish when the test says so. */
function controlledWriter() {
  const batches: Array<{ items: number[]; finish: (outcomes?: Array<ItemOutcome<string>>) => void; fail: (error: Error) => void }> = [];
  const write = (items: number[]) =>
    new Promise<Array<ItemOutcome<string>>>((resolve, reject) => {
      batches.push({
        items,
        finish: (outcomes) => resolve(outcomes ?? items.map((item) => ({ ok: true, value: `stored ${item}` }))),
        fail: reject,
      });
    });
  return { batches, write };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('writes an item at once while a slot is free, and gathers what arrives meanwhile into the next batch', async () => {
    const writer = controlledWriter();
    const commit = new GroupCommit(writer.write, { concurrency: 1, maxBatch: 100 });

    const first = commit.add(1);
    const later = [commit.add(2), commit.add(3), commit.add(4)];
    expect(writer.batches.map((batch) => batch.items)).toEqual([[1]]);

    writer.batches[0].finish();
    await expect(first).resolves.toBe('stored 1');
    await settled();
    expect(writer.batches.map((batch) => batch.items)).toEqual([[1], [2, 3, 4]]);
    writer.batches[1].finish();
    await expect(Promise.all(later)).resolves.toEqual(['stored 2', 'stored 3', 'stored 4']);
  });

  it('runs up to `concurrency` batches at once and caps each at `maxBatch` items', async () => {
    const writer = controlledWriter();
    const commit = new GroupCommit(writer.write, { concurrency: 2, maxBatch: 2 });

    const all = [1, 2, 3, 4, 5].map((item) => commit.add(item));
    expect(writer.batches.map((batch) => batch.items)).toEqual([[1], [2]]);
    writer.batches[0].finish();
    await settled();
    expect(writer.batches.map((batch) => batch.items)).toEqual([[1], [2], [3, 4]]);
    writer.batches[1].finish();
    await settled();
    expect(writer.batches.map((batch) => batch.items)).toEqual([[1], [2], [3, 4], [5]]);
    writer.batches[2].finish();
    writer.batches[3].finish();
    await expect(Promise.all(all)).resolves.toHaveLength(5);
  });

  it('gives each item its own outcome, and the batch error to every item when the whole batch fails', async () => {
    const writer = controlledWriter();
    const commit = new GroupCommit(writer.write, { concurrency: 1, maxBatch: 10 });

    const blocker = commit.add(0);
    const [good, bad] = [commit.add(1), commit.add(2)];
    writer.batches[0].fail(new Error('connection lost'));
    await expect(blocker).rejects.toThrow('connection lost');
    await settled();
    writer.batches[1].finish([{ ok: true, value: 'stored 1' }, { ok: false, error: new Error('invalid email') }]);
    await expect(good).resolves.toBe('stored 1');
    await expect(bad).rejects.toThrow('invalid email');
  });

  describe('under load, a free slot lingers for more items', () => {
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
    afterEach(() => jest.useRealTimers());

    it('waits `lingerMs` after a batch of several items, then writes what gathered as one batch', async () => {
      const writer = controlledWriter();
      const commit = new GroupCommit(writer.write, { concurrency: 1, maxBatch: 100, lingerMs: 5 });
      const all = [1, 2, 3].map((item) => commit.add(item));
      writer.batches[0].finish(); // [1]: alone, so no load yet
      await settled();
      expect(writer.batches.map((batch) => batch.items)).toEqual([[1], [2, 3]]);

      writer.batches[1].finish(); // [2, 3]: under load from now on
      await settled();
      all.push(commit.add(4));
      jest.advanceTimersByTime(4);
      all.push(commit.add(5));
      expect(writer.batches).toHaveLength(2);
      jest.advanceTimersByTime(1);
      expect(writer.batches.map((batch) => batch.items)).toEqual([[1], [2, 3], [4, 5]]);
      writer.batches[2].finish();
      await expect(Promise.all(all)).resolves.toHaveLength(5);
    });

    it('does not wait when `maxBatch` items are already waiting, nor after a batch of one', async () => {
      const writer = controlledWriter();
      const commit = new GroupCommit(writer.write, { concurrency: 1, maxBatch: 2, lingerMs: 5 });
      const all = [1, 2, 3, 4, 5].map((item) => commit.add(item));
      writer.batches[0].finish();
      await settled();
      writer.batches[1].finish(); // [2, 3]: under load, but [4, 5] fill a batch
      await settled();
      expect(writer.batches.map((batch) => batch.items)).toEqual([[1], [2, 3], [4, 5]]);

      writer.batches[2].finish();
      await Promise.all(all);
      await settled();
      const single = commit.add(6); // under load, nothing else comes: written after the linger
      jest.advanceTimersByTime(5);
      writer.batches[3].finish();
      await single;
      await settled();
      const next = commit.add(7); // the last batch held one item: written at once
      expect(writer.batches.map((batch) => batch.items)).toEqual([[1], [2, 3], [4, 5], [6], [7]]);
      writer.batches[4].finish();
      await next;
    });
  });
});
