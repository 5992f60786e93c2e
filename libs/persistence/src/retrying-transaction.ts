import type { DataSource, EntityManager } from 'typeorm';

/** deadlock_detected and serialization_failure: PostgreSQL rolled the transaction back, it may simply run again. */
const RETRYABLE_CODES = new Set(['40P01', '40001']);

export function isRetryableTransactionError(error: unknown): boolean {
  return RETRYABLE_CODES.has((error as { code?: string } | null)?.code ?? '');
}

/**
 * Runs `work` in a transaction, and again (up to `attempts` runs in all) when PostgreSQL aborts it
 * for a deadlock or a serialization failure: two transactions that lock the same rows in
 * different orders (an API command and a consumer batch, say) then both complete. `work` must have
 * no effect outside the transaction, since it may run more than once.
 */
export async function retryingTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await dataSource.transaction(work);
    } catch (error) {
      if (attempt >= attempts || !isRetryableTransactionError(error)) throw error;
    }
  }
}
