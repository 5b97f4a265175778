/**
 * Request body limit → 413 `PAYLOAD_TOO_LARGE`. Hono's `bodyLimit` does the work, except that a
 * request with a Content-Length (and no Transfer-Encoding) is judged by that header alone: Node's
 * HTTP parser never delivers more bytes than Content-Length says, and not touching `req.body` here
 * keeps `@hono/node-server` on its fast path (reading the body straight from the socket instead of
 * through a web ReadableStream — about a third of the per-request CPU for small predictions).
 * Chunked bodies (no Content-Length) go through Hono's streaming counter.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ServingError } from '@medslim/serving';
import type { InferEnv } from '../../env.ts';

/** Middleware: refuse bodies over `maxSize` bytes with 413, the message naming the limit and `hint`. */
export function limitBody(maxSize: number, hint: string): MiddlewareHandler<InferEnv> {
  const tooLarge = (got?: number): never => {
    throw new ServingError('PAYLOAD_TOO_LARGE', `request body ${got !== undefined ? `of ${got} bytes ` : ''}exceeds the limit of ${maxSize} bytes; ${hint}`);
  };
  const streaming = bodyLimit({ maxSize, onError: () => tooLarge() });
  return (c: Context<InferEnv>, next) => {
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      const n = Number(length);
      return n > maxSize ? tooLarge(n) : next();
    }
    return streaming(c, next);
  };
}
