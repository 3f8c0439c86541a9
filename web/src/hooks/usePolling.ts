import { useCallback, useEffect, useRef, useState } from "react";
import { isAbortError } from "@/api/client";

interface State<T> {
  key: string | null;
  data?: T;
  error?: unknown;
}

export interface Polled<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Fetch again now. */
  reload: () => void;
  /** Replace the data locally (after a mutation). */
  mutate: (update: (data: T | undefined) => T | undefined) => void;
}

/**
 * Fetches `fetcher` for `key` and again every `intervalMs` (never overlapping; `null` = once).
 * A `null` key fetches nothing. Data of the previous key is not shown for a new one.
 */
export function usePolling<T>(
  key: string | null,
  fetcher: (signal: AbortSignal) => Promise<T>,
  intervalMs: number | null,
): Polled<T> {
  const [state, setState] = useState<State<T>>({ key: null });
  const [nonce, setNonce] = useState(0);
  const fetcherRef = useRef(fetcher);
  useEffect(() => {
    fetcherRef.current = fetcher;
  });

  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    let timer: number | undefined;
    const run = async () => {
      try {
        const data = await fetcherRef.current(controller.signal);
        if (!controller.signal.aborted) setState({ key, data });
      } catch (error) {
        if (controller.signal.aborted || isAbortError(error)) return;
        setState((s) => ({ key, data: s.key === key ? s.data : undefined, error }));
      }
      if (!controller.signal.aborted && intervalMs) timer = window.setTimeout(run, intervalMs);
    };
    void run();
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [key, intervalMs, nonce]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const mutate = useCallback<Polled<T>["mutate"]>(
    (update) => setState((s) => ({ key: s.key, data: update(s.data), error: s.error })),
    [],
  );

  const current = state.key === key;
  const data = current ? state.data : undefined;
  const error = current ? state.error : undefined;
  return { data, error, loading: key !== null && data === undefined && error === undefined, reload, mutate };
}
