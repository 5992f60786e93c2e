import { conflict } from '@leads/service';

/** Optimistic concurrency: the client's `version` is not the current one. */
export const staleVersion = (what: string, currentVersion: number) =>
  conflict('stale-version', `The ${what} changed since you read it (now version ${currentVersion}): read it again, then retry.`, { currentVersion });
