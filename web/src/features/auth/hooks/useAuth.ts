import { createContext, useContext } from "react";
import type { Role, User } from "@/api/types";

export interface AuthState {
  user: User | null;
  token: string | null;
  login: (username: string, password: string) => Promise<User>;
  register: (username: string, password: string, role: Exclude<Role, "admin">, inviteCode?: string) => Promise<User>;
  logout: () => Promise<void>;
}

export const AuthContext = createContext<AuthState | null>(null);

export function useAuth(): AuthState {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth must be used inside <AuthProvider>");
  return auth;
}

const RANK: Record<Role, number> = { viewer: 0, streamer: 1, admin: 2 };

/** True when the user's role is at least `role`. */
export function hasRole(user: User | null, role: Role): boolean {
  return !!user && RANK[user.role] >= RANK[role];
}
