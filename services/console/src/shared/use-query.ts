import { useCallback, useEffect, useEffectEvent, useState } from 'react';
import { ApiError } from '../api/client';

export interface QueryState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  /** Loads again now (after a change the user made). */
  reload: () => void;
}

export interface QueryOptions<T> {
  /** Loads again every this many milliseconds while the page is visible. */
  pollMs?: number;
  /** Polling holds still meanwhile (e.g. while a card is being dragged). */
  paused?: boolean;
  /** Polling stops once the data says there is nothing more to wait for (e.g. a finished import). */
  done?: (data: T) => boolean;
}

/**
 * Data from the API for a key: loaded when the key changes, on `reload()`, and every `pollMs`
 * while the tab is visible. An answer that arrives after the key changed is dropped. The last
 * data stays on screen while the next load runs.
 */
export function useQuery<T>(key: string | null, load: () => Promise<T>, options: QueryOptions<T> = {}): QueryState<T> {
  const [state, setState] = useState<{ key: string | null; data?: T; error?: ApiError; loading: boolean }>({ key, loading: key !== null });
  const [generation, setGeneration] = useState(0);
  const run = useEffectEvent(load);

  useEffect(() => {
    if (key === null) return;
    let current = true;
    run().then(
      (data) => current && setState({ key, data, loading: false }),
      (error: unknown) =>
        current &&
        setState((previous) => ({
          key,
          data: previous.key === key ? previous.data : undefined,
          error: error instanceof ApiError ? error : new ApiError({ type: 'about:blank', title: 'Error', status: 0, detail: String(error) }),
          loading: false,
        })),
    );
    return () => {
      current = false;
    };
  }, [key, generation]);

  const { pollMs } = options;
  const paused = Boolean(options.paused) || (state.data !== undefined && state.key === key && Boolean(options.done?.(state.data)));
  useEffect(() => {
    if (!pollMs || paused || key === null) return;
    const tick = () => {
      if (document.visibilityState === 'visible') setGeneration((value) => value + 1);
    };
    const timer = window.setInterval(tick, pollMs);
    document.addEventListener('visibilitychange', tick);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', tick);
    };
  }, [pollMs, paused, key]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  const sameKey = state.key === key;
  return { data: sameKey ? state.data : undefined, error: sameKey ? state.error : undefined, loading: !sameKey || state.loading, reload };
}
