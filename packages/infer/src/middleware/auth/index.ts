/**
 * Bearer-key authentication (`Authorization: Bearer <key>`), as in the platform API: missing,
 * malformed or unknown keys → 401 with `WWW-Authenticate: Bearer`. The caller (tenant, role) goes
 * on the context as `caller`; every role may predict and read metrics.
 */
import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ServingError } from '@medslim/serving';
import type { Authenticate, Caller, InferEnv } from '../../env.ts';

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

function unauthorized(message: string): ServingError {
  return new ServingError('UNAUTHORIZED', message);
}

/** Middleware: authenticate the request and note when it arrived. */
export function bearerAuth(authenticate: Authenticate): MiddlewareHandler<InferEnv> {
  return async (c, next) => {
    c.set('startedAt', performance.now());
    const header = c.req.header('authorization');
    if (!header) throw unauthorized('missing API key: send Authorization: Bearer <key>');
    const m = BEARER.exec(header);
    if (!m) throw unauthorized('malformed Authorization header: use Authorization: Bearer <key>');
    const caller = await authenticate(m[1]);
    if (!caller) throw unauthorized('invalid API key');
    c.set('caller', caller);
    await next();
  };
}

/**
 * Wrap an `authenticate` (e.g. the registry's key lookup, a store read) with a cache of accepted
 * keys for `ttlMs` (default 60 s), keyed by the key's SHA-256 — so a warm function does not read the
 * store on every request. Unknown keys are not cached. A revoked key keeps working for at most `ttlMs`.
 */
export function cachedAuthenticate(authenticate: Authenticate, opts: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}): Authenticate {
  const ttl = opts.ttlMs ?? 60_000;
  const max = opts.maxEntries ?? 1000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { caller: Caller; until: number }>();
  return async (bearer) => {
    const id = createHash('sha256').update(bearer).digest('base64');
    const hit = cache.get(id);
    if (hit && hit.until > now()) return hit.caller;
    const caller = await authenticate(bearer);
    if (caller) {
      if (cache.size >= max) cache.delete(cache.keys().next().value as string);
      cache.set(id, { caller, until: now() + ttl });
    } else cache.delete(id);
    return caller;
  };
}
