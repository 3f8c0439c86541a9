import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import { useLocation, useNavigate } from "react-router";
import { setAccessToken, setUnauthorizedHandler } from "@/api/client";
import { ApiError } from "@/api/errors";
import { authApi, useCurrentUser } from "@/features/auth/api/auth";
import { AuthContext, type AuthState } from "@/features/auth/hooks/useAuth";
import { loadSession, refreshDelay, saveSession, sessionFrom, type Session } from "@/features/auth/session";
import { useToast } from "@/hooks/toast-context";

const RETRY_REFRESH_MS = 10_000;

function initialSession(): Session | null {
  const session = loadSession();
  setAccessToken(session?.token ?? null);
  return session;
}

/** Keeps the session: token in localStorage, refreshed before expiry, dropped on a 401. */
export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSessionState] = useState<Session | null>(initialSession);
  const navigate = useNavigate();
  const location = useLocation();
  const { toast } = useToast();

  const setSession = useCallback((next: Session | null) => {
    setAccessToken(next?.token ?? null);
    saveSession(next);
    setSessionState(next);
  }, []);

  // A 401 on an authenticated request: log out locally and go to the login page.
  const here = location.pathname + location.search;
  useEffect(() => {
    setUnauthorizedHandler(() => {
      setSession(null);
      toast({ kind: "info", title: "Your session has ended", description: "Please log in again." });
      if (!here.startsWith("/login")) navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true });
    });
    return () => setUnauthorizedHandler(null);
  }, [here, navigate, setSession, toast]);

  // Check the stored session once per token and pick up role changes.
  const token = session?.token ?? null;
  const { data: current } = useCurrentUser(token);

  // Refresh the token shortly before it runs out; after a network failure, try again every 10 s
  // while the token is still valid.
  const [refreshRetry, setRefreshRetry] = useState(0);
  useEffect(() => {
    if (!session) return;
    const delay = refreshRetry > 0 ? Math.min(refreshDelay(session), RETRY_REFRESH_MS) : refreshDelay(session);
    const timer = window.setTimeout(() => {
      authApi
        .refresh()
        .then((response) => {
          setRefreshRetry(0);
          setSession(sessionFrom(response));
        })
        .catch((error: unknown) => {
          // A 401 is handled globally (the session is over).
          if (error instanceof ApiError && error.isNetwork && session.expiresAt > Date.now()) {
            setRefreshRetry((n) => n + 1);
          }
        });
    }, delay);
    return () => window.clearTimeout(timer);
  }, [session, setSession, refreshRetry]);

  // Another tab logged in or out.
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      if (event.key === "livestream.session") {
        const next = loadSession();
        setAccessToken(next?.token ?? null);
        setSessionState(next);
      }
    };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, []);

  const login = useCallback<AuthState["login"]>(
    async (username, password) => {
      const response = await authApi.login({ username, password });
      setSession(sessionFrom(response));
      return response.user;
    },
    [setSession],
  );

  const register = useCallback<AuthState["register"]>(
    async (username, password, role, inviteCode) => {
      const response = await authApi.register({ username, password, role, ...(inviteCode ? { invite_code: inviteCode } : {}) });
      setSession(sessionFrom(response));
      return response.user;
    },
    [setSession],
  );

  const logout = useCallback(async () => {
    try {
      await authApi.logout();
    } catch {
      /* the local session ends either way */
    }
    setSession(null);
  }, [setSession]);

  const value = useMemo<AuthState>(
    () => ({ user: session ? (current ?? session.user) : null, token, login, register, logout }),
    [session, current, token, login, register, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
