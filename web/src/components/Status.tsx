/** Loading, error and notice blocks shared by the pages. */
import type { ReactNode } from 'react';
import { ApiError } from '../lib/api.ts';

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
