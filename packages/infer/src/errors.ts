/**
 * The app's one error handler: every error becomes `{error: {code, message}}` with its status —
 * `ServingError` by its code, Hono's own `HTTPException`s by their status, anything else 500
 * without internals (logged with its stack; request bodies are never logged or echoed).
 */
import type { ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { clipMessage } from '@medslim/registry';
import { ServingError } from '@medslim/serving';
import type { InferEnv } from './env.ts';

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string };
}

function toBody(err: unknown): { status: ContentfulStatusCode; body: ErrorBody } {
  const body = (code: string, message: string): ErrorBody => ({ error: { code, message } });
  if (ServingError.is(err)) {
    // A source's MISSING_ARTIFACT that reached here unwrapped still answers as the unavailable version.
    const code = err.code === 'MISSING_ARTIFACT' ? 'MODEL_UNAVAILABLE' : err.code;
    return { status: err.status as ContentfulStatusCode, body: body(code, err.message) };
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 401 ? 'UNAUTHORIZED' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status >= 500 ? 'INTERNAL' : 'BAD_REQUEST';
    return { status, body: body(code, err.message || `HTTP ${status}`) };
  }
  return { status: 500, body: body('INTERNAL', 'internal error; the server log has the details') };
}

/** The error handler; 5xx errors are logged through `log` (method, path, status, stack — never the body). */
export function errorHandler(log: (line: string) => void): ErrorHandler<InferEnv> {
  return (err, c) => {
    const { status, body } = toBody(err);
    if (status >= 500) {
      const detail = ServingError.is(err) && status === 503 ? err.message : ((err as Error)?.stack ?? String(err));
      log(`${c.req.method} ${c.req.path} → ${status}: ${detail}`);
    }
    if (status === 401) c.header('WWW-Authenticate', 'Bearer');
    return c.json({ error: { code: body.error.code, message: clipMessage(body.error.message) } }, status);
  };
}
