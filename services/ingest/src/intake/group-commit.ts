/** What one item of a batch gets: its value, or the error that item alone fails with. */
export type ItemOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface GroupCommitOptions {
  /** Batches written at the same time; while they all run, new items wait and form the next batch. */
  readonly concurrency: number;
  /** The most items one batch takes. */
  readonly maxBatch: number;
  /**
   * Under load (the batch that finished last held more than one item), how long a free slot
   * waits for more items before it writes the next batch, unless `maxBatch` are already waiting.
   * Each commit costs the database far more than a row, so fewer, larger batches carry more load.
   */
  readonly lingerMs?: number;
}

interface Waiting<T, R> {
  readonly item: T;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/**
 * Group commit: items added while every batch slot is busy wait and are written together, in one
 * transaction, when a slot frees up. Under light load an item is written at once, alone (no added
 * latency); under heavy load batches grow with the load, so one commit and a few multi-row
 * statements serve many requests.
 */
export class GroupCommit<T, R> {
  private readonly waiting: Array<Waiting<T, R>> = [];
  private running = 0;
  private underLoad = false;
  private linger?: NodeJS.Timeout;

  constructor(
    private readonly writeBatch: (items: T[]) => Promise<Array<ItemOutcome<R>>>,
    private readonly options: GroupCommitOptions,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.startBatches();
    });
  }

  private startBatches(lingered = false): void {
    const { concurrency, maxBatch, lingerMs = 0 } = this.options;
    while (this.running < concurrency && this.waiting.length > 0) {
      if (!lingered && this.underLoad && lingerMs > 0 && this.waiting.length < maxBatch) {
        this.linger ??= setTimeout(() => {
          this.linger = undefined;
          this.startBatches(true);
        }, lingerMs);
        return;
      }
      clearTimeout(this.linger);
      this.linger = undefined;
      const batch = this.waiting.splice(0, maxBatch);
      this.running += 1;
      this.writeBatch(batch.map((entry) => entry.item))
        .then(
          (outcomes) => batch.forEach((entry, index) => settle(entry, outcomes[index])),
          (error: unknown) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          this.running -= 1;
          this.underLoad = batch.length > 1;
          this.startBatches();
        });
    }
  }
}

function settle<T, R>(entry: Waiting<T, R>, outcome: ItemOutcome<R> | undefined): void {
  if (!outcome) entry.reject(new Error('the batch writer returned no outcome for this item'));
  else if (outcome.ok) entry.resolve(outcome.value);
  else entry.reject(outcome.error);
}
