import { createContext, use, useEffect, useState, type ReactNode } from 'react';
import { api, onUnauthorized } from '../api/client';
import type { Session } from '../api/types';

const STORAGE_KEY = 'leads.session';

interface SessionContextValue {
  session: Session | null;
  /** The API key created with the workspace: shown once, right after sign-up. */
  firstApiKey: string | null;
  signedIn(session: Session, firstApiKey?: string): void;
  dismissFirstApiKey(): void;
  logOut(): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

function stored(): Session | null {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Session | null;
  } catch {
    return null;
  }
}

/**
 * Who is logged in. The session itself is the HttpOnly `leads_session` cookie; the console keeps
 * only the user and workspace it was told at login, for display, and forgets them on any 401.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(stored);
  const [firstApiKey, setFirstApiKey] = useState<string | null>(null);

  useEffect(
    () =>
      onUnauthorized(() => {
        localStorage.removeItem(STORAGE_KEY);
        setSession(null);
      }),
    [],
  );

  // What was stored may be stale (the cookie expired, the workspace was renamed): ask once on load.
  useEffect(() => {
    if (!stored()) return;
    api
      .whoAmI()
      .then(({ user, workspace }) => {
        if (!user) return;
        localStorage.setItem(STORAGE_KEY, JSON.stringify({ user, workspace }));
        setSession({ user, workspace });
      })
      .catch(() => undefined);
  }, []);

  const value: SessionContextValue = {
    session,
    firstApiKey,
    signedIn(next, apiKey) {
      localStorage.setItem(STORAGE_KEY, JSON.stringify({ user: next.user, workspace: next.workspace }));
      setSession({ user: next.user, workspace: next.workspace });
      setFirstApiKey(apiKey ?? null);
    },
    dismissFirstApiKey: () => setFirstApiKey(null),
    async logOut() {
      await api.logOut().catch(() => undefined);
      localStorage.removeItem(STORAGE_KEY);
      setSession(null);
      setFirstApiKey(null);
    },
  };
  return <SessionContext value={value}>{children}</SessionContext>;
}

export function useSession(): SessionContextValue {
  const value = use(SessionContext);
  if (!value) throw new Error('useSession() outside <SessionProvider>');
  return value;
}
