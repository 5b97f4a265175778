/**
 * HTTP errors: one `ApiError` (a Hono `HTTPException` with a stable `code`) and one `onError` that
 * turns every error into `{error: {code, message}}` with the right status:
 * `ApiError` as is, `RegistryError` by its code's status, `StoreError` TOO_LARGE → 413 / BAD_KEY → 400,
 * a full disk or quota (ENOSPC/EDQUOT anywhere in the cause chain) → 507,
 * Hono's own `HTTPException`s (malformed JSON, 415 from the media-type gate), anything else → 500
 * without internals. Request bodies are never logged.
 */
import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { clipMessage, RegistryError, StoreError } from '@medslim/registry';
import { describeIssues } from '@medslim/contracts';

/** Stable error codes the API answers with (besides the registry's own: NOT_FOUND, INVALID, …). */
export type ApiErrorCode =
  | 'BAD_REQUEST'
  | 'MALFORMED_JSON'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'NOT_IMPLEMENTED'
  | 'INSUFFICIENT_STORAGE'
  | 'INTERNAL';

/** An HTTP error with a stable machine-readable `code`; the message says what to fix. */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: ApiErrorCode | string,
    message: string,
  ) {
    super(status, { message });
  }
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string };
}


const TARGET_NAMES: Record<string, string> = { json: 'body', query: 'query', param: 'path', header: 'header' };

/** `defaultHook` of every route: a failed zod validation becomes a 400 naming the field. */
export function validationHook(result: { success: boolean; target: string; error?: ZodError }, _c: Context): void {
  if (result.success || !result.error) return;
  const where = TARGET_NAMES[result.target] ?? result.target;
  throw new ApiError(400, 'BAD_REQUEST', `invalid request ${where}: ${describeIssues(result.error)}`);
}

/**
 * True when `err` or one of its causes (up to 8 deep) is the operating system saying the disk or quota is
 * full (`ENOSPC`, `EDQUOT`). The server's storage is the server's problem, not the client's: 507, not 500.
 */
export function isStorageFull(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 8 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function toBody(err: unknown, c: Context): { status: ContentfulStatusCode; body: ErrorBody } {
  const body = (code: string, message: string) => ({ error: { code, message } });
  if (err instanceof ApiError) return { status: err.status as ContentfulStatusCode, body: body(err.code, err.message) };
  if (RegistryError.is(err)) return { status: err.status as ContentfulStatusCode, body: body(err.code, err.message) };
  if (StoreError.is(err, 'TOO_LARGE')) return { status: 413, body: body('PAYLOAD_TOO_LARGE', err.message) };
  if (StoreError.is(err, 'BAD_KEY')) return { status: 400, body: body('BAD_REQUEST', err.message) };
  if (err instanceof HTTPException) {
    if (err.status === 415) {
      const got = c.req.header('content-type');
      return { status: 415, body: body('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json (got ${got ? `'${got}'` : 'none'})`) };
    }
    if (err.status === 400 && /malformed json/i.test(err.message)) {
      return { status: 400, body: body('MALFORMED_JSON', 'malformed JSON in request body: send a valid JSON document with Content-Type: application/json') };
    }
    if (err.status === 413) return { status: 413, body: body('PAYLOAD_TOO_LARGE', err.message || 'request body too large') };
    return { status: err.status as ContentfulStatusCode, body: body(err.status === 401 ? 'UNAUTHORIZED' : 'BAD_REQUEST', err.message) };
  }
  if (isStorageFull(err)) {
    return { status: 507, body: body('INSUFFICIENT_STORAGE', "the server's storage is full, so nothing was stored; retry after an operator frees space") };
  }
  return { status: 500, body: body('INTERNAL', 'internal error; the server log has the details') };
}

/**
 * The app's one error handler. Logs 5xx errors (with stack, never the request body) through `log`.
 */
export function errorHandler(log: (line: string) => void): ErrorHandler {
  return (err, c) => {
    const { status, body } = toBody(err, c);
    if (status >= 500) log(`${c.req.method} ${new URL(c.req.url).pathname} → ${status}: ${(err as Error)?.stack ?? String(err)}`);
    return c.json({ error: { code: body.error.code, message: clipMessage(body.error.message) } }, status);
  };
}
