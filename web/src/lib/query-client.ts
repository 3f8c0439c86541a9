import { QueryClient, type QueryKey } from "@tanstack/react-query";

/**
 * The one cache of server state, shared by every page. The defaults keep what the app did before
 * TanStack Query: an error is shown at once (no silent retries), polling goes on in background
 * tabs, and returning to a tab does not refetch by itself.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: false, refetchOnWindowFocus: false, refetchIntervalInBackground: true },
      mutations: { retry: false },
    },
  });
}

/**
 * Shows a mutation's outcome in the cached answer of `queryKey` at once, then fetches it again so
 * that the cache ends up exactly as the server has it.
 */
export function patchThenRefetch<T>(
  queryClient: QueryClient,
  queryKey: QueryKey,
  change: (data: T | undefined) => T | undefined,
): void {
  queryClient.setQueryData<T>(queryKey, change);
  void queryClient.invalidateQueries({ queryKey });
}
