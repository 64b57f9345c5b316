import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, NetworkError, api, setUnauthorizedHandler, signIn as requestToken, storeSession, storedSession } from '../api/api-client';
import type { Me } from '@sanxian/api-types';
import { clearDrafts } from '../drafts';

export interface Session {
  /** undefined while the stored token is being checked; null when signed out. */
  user: Me | null | undefined;
  /** The session ended by itself (token expired): the sign-in page says so. */
  expired: boolean;
  signIn(username: string, password: string): Promise<Me>;
  signOut(): void;
}

const SessionContext = createContext<Session | null>(null);

const USER_KEY = 'sanxian.me';

/** Who this tab's session belongs to, as the api last said: what a reload with no network goes on. */
function rememberUser(me: Me | null): void {
  if (me) sessionStorage.setItem(USER_KEY, JSON.stringify(me));
  else sessionStorage.removeItem(USER_KEY);
}

function rememberedUser(): Me | null {
  try {
    return JSON.parse(sessionStorage.getItem(USER_KEY) ?? 'null') as Me | null;
  } catch {
    return null;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<Me | null | undefined>(storedSession() ? undefined : null);
  const [expired, setExpired] = useState(false);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      storeSession(null);
      rememberUser(null);
      setExpired(true);
      setUser(null);
    });
    if (!storedSession()) return;
    // A reload keeps the session of this tab: ask who it belongs to (and whether it still holds).
    api<Me>('/v1/me')
      .then((me) => {
        rememberUser(me);
        setUser(me);
      })
      .catch((error) => {
        // Offline (an inspector in a village: the survey page works there): the tab's session holds
        // as it was last known; the api still judges the token when the network is back.
        const known = error instanceof NetworkError ? rememberedUser() : null;
        if (known) return setUser(known);
        if (!(error instanceof ApiError && error.status === 401)) storeSession(null);
        setUser(null);
      });
  }, []);

  const signIn = useCallback(async (username: string, password: string) => {
    const token = await requestToken(username, password);
    storeSession({ token: token.accessToken, expiresAt: token.expiresAt });
    const me = await api<Me>('/v1/me');
    rememberUser(me);
    setExpired(false);
    setUser(me);
    return me;
  }, []);

  const signOut = useCallback(() => {
    // The api ends the token too, so that a copy of it is worth nothing; the console signs out whatever it answers.
    if (storedSession()) api('/v1/auth/sign-out', { method: 'POST' }).catch(() => undefined);
    storeSession(null);
    rememberUser(null);
    // Signing out on purpose drops unsaved drafts too (an expired session keeps them for the next sign-in).
    clearDrafts();
    setExpired(false);
    setUser(null);
  }, []);

  const value = useMemo(() => ({ user, expired, signIn, signOut }), [user, expired, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const context = useContext(SessionContext);
  if (!context) throw new Error('useSession outside SessionProvider');
  return context;
}
