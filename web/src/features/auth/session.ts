import type { AuthResponse, User } from "@/api/types";

export const SESSION_KEY = "livestream.session";

export interface Session {
  user: User;
  token: string;
  /** Milliseconds since the epoch when the token expires. */
  expiresAt: number;
}

export function sessionFrom(response: AuthResponse, now = Date.now()): Session {
  return { user: response.user, token: response.access_token, expiresAt: now + response.expires_in * 1000 };
}

export function loadSession(now = Date.now()): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Partial<Session>;
    if (!session.token || !session.user || typeof session.expiresAt !== "number") return null;
    if (session.expiresAt <= now) return null;
    return session as Session;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  try {
    if (session) localStorage.setItem(SESSION_KEY, JSON.stringify(session));
    else localStorage.removeItem(SESSION_KEY);
  } catch {
    /* storage unavailable: the session lasts for this page only */
  }
}

/** When to refresh: a minute before expiry, or at 80 % of short lifetimes. */
export function refreshDelay(session: Session, now = Date.now()): number {
  const left = session.expiresAt - now;
  return Math.max(1000, Math.min(left - 60_000, left * 0.8));
}
