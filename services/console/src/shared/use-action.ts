import { useState } from 'react';
import type { ApiError } from '../api/client';

/** Runs a change against the API and keeps its problem details and a busy flag for the form that started it. */
export function useAction() {
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (caught) {
      setError(caught as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run, clearError: () => setError(undefined) };
}
