import { useQuery } from "@tanstack/react-query";
import { request } from "@/api/client";
import type { AuthResponse, LoginRequest, RegisterRequest, User } from "@/api/types";

/** The account calls: those that start a session send no token. */
export const authApi = {
  register: (body: RegisterRequest) =>
    request<AuthResponse>("/auth/register", { method: "POST", body, anonymous: true }),
  login: (body: LoginRequest) =>
    request<AuthResponse>("/auth/login", { method: "POST", body, anonymous: true }),
  refresh: () => request<AuthResponse>("/auth/refresh", { method: "POST" }),
  logout: () => request<void>("/auth/logout", { method: "POST" }),
};

/**
 * The account behind `token`, asked once per token so that a role changed by an admin shows.
 * The token is part of the key: a new session never sees the previous one's answer.
 */
export function useCurrentUser(token: string | null) {
  return useQuery({
    queryKey: ["auth", "me", token],
    queryFn: ({ signal }) => request<User>("/auth/me", { signal }),
    enabled: token !== null,
    staleTime: Infinity,
  });
}
