/** Small React hooks of the console: async loading, polling, the hash route. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { parseRoute, type Route } from './route.ts';

export interface Async<T> {
  data: T | undefined;
  error: Error | null;
  loading: boolean;
  /** Load again (keeps the current data while loading). */
  reload: () => void;
}

/**
 * Run `load` when `deps` change (aborting the previous run) and on `reload()`.
 * @param intervalMs also re-run every this many ms while mounted (quietly: errors of a re-run keep the data)
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[], intervalMs?: number): Async<T> {
  const [state, setState] = useState<{ data: T | undefined; error: Error | null; loading: boolean }>({ data: undefined, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, error: null, loading: false });
      },
      (error: unknown) => {
        if (!controller.signal.aborted && (error as Error)?.name !== 'AbortError') setState((s) => ({ data: s.data, error: error as Error, loading: false }));
      },
    );
    return () => controller.abort();
    // The effect's own deps are the caller's `deps` (and the reload tick).
  }, [...deps, tick]);

  useEffect(() => {
    if (!intervalMs) return;
    const t = setInterval(() => setTick((n) => n + 1), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

/** The current hash route, updated on navigation. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
