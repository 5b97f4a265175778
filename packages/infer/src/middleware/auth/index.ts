/**
 * Bearer-key authentication (`Authorization: Bearer <key>`) with @medslim/http's middleware, as the
 * platform API: missing, malformed or unknown keys → 401 with `WWW-Authenticate: Bearer`. The caller (tenant, role) goes
 * on the context as `caller`; every role may predict and read metrics.
 */
import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { bearerAuth as sharedBearerAuth } from '@medslim/http';
import { KEY_CACHE_TTL_MS, KEY_NEGATIVE_TTL_MS, TtlCache } from '@medslim/registry';
import { ServingError } from '@medslim/serving';
import type { Authenticate, Caller, InferEnv } from '../../env.ts';

function unauthorized(message: string): ServingError {
  return new ServingError('UNAUTHORIZED', message);
}

/** Middleware: note when the request arrived, then authenticate it (@medslim/http's `bearerAuth`). */
export function bearerAuth(authenticate: Authenticate): MiddlewareHandler<InferEnv> {
  const auth = sharedBearerAuth<InferEnv, Caller>({ verify: authenticate, onAuthenticated: (c, caller) => c.set('caller', caller), unauthorized });
  return async (c, next) => {
    c.set('startedAt', performance.now());
    return auth(c, next);
  };
}

/**
 * Wrap an `authenticate` that has no cache of its own with a bounded one (`TtlCache`, keyed by the key's
 * SHA-256): accepted keys for `ttlMs` (default `KEY_CACHE_TTL_MS`, 4 s — the revocation bound), unknown
 * keys for `negativeTtlMs` (default 2 s) so a flood of bad keys does not reach the store.
 * The registry's own `ApiKeys.verify` caches the same way: `connectRegistry` does not wrap it again.
 */
export function cachedAuthenticate(authenticate: Authenticate, opts: { ttlMs?: number; negativeTtlMs?: number; maxEntries?: number; now?: () => number } = {}): Authenticate {
  const ttl = opts.ttlMs ?? KEY_CACHE_TTL_MS;
  const negative = opts.negativeTtlMs ?? KEY_NEGATIVE_TTL_MS;
  const cache = new TtlCache<Caller | null>({ maxEntries: opts.maxEntries ?? 10_000, now: opts.now });
  return async (bearer) => {
    const id = createHash('sha256').update(bearer).digest('base64');
    const hit = cache.get(id);
    if (hit !== undefined) return hit;
    const caller = await authenticate(bearer);
    cache.set(id, caller, caller ? ttl : negative);
    return caller;
  };
}
