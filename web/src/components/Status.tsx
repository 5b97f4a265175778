/** Loading, error and notice blocks shared by the pages. */
import type { ReactNode } from 'react';
import { ApiError } from '../lib/api.ts';
import type { Async } from '../lib/hooks.ts';

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

/** An error, with the API's code and HTTP status when there is one, and a retry button. */
export function ErrorNotice({ error, onRetry, title }: { error: Error; onRetry?: () => void; title?: string }) {
  const api = error instanceof ApiError ? error : null;
  return (
    <div className="notice error" role="alert">
      <p>
        <strong>{title ?? 'Something went wrong'}</strong>
        {api && api.status > 0 ? ` (${api.status} ${api.code})` : ''}: {error.message}
      </p>
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Notice({ kind = 'info', children }: { kind?: 'info' | 'success' | 'warning'; children: ReactNode }) {
  return (
    <div className={`notice ${kind}`} role="status">
      {children}
    </div>
  );
}

/**
 * What an async load shows: its error with a retry button (titled `failed`), "Loading `what`…" until the first
 * data, `empty` for an empty list, then `children(data)`. A failed reload keeps the data below its error.
 */
export function Loaded<T>({ state, what, failed, empty, children }: { state: Async<T>; what: string; failed: string; empty?: ReactNode; children: (data: NonNullable<T>) => ReactNode }) {
  const { data, error } = state;
  return (
    <>
      {error ? <ErrorNotice error={error} onRetry={state.reload} title={failed} /> : null}
      {!data ? (error ? null : <Loading what={what} />) : empty !== undefined && Array.isArray(data) && data.length === 0 ? empty : children(data)}
    </>
  );
}
