/**
 * Bearer-key authentication (`Authorization: Bearer <key>`) and role checks.
 * Keys are looked up by their SHA-256 (see `ApiKeys`); the principal (tenant, role, key id) is put
 * on the context as `principal`. Missing, malformed or unknown keys → 401 with `WWW-Authenticate`.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bearerAuth as sharedBearerAuth } from '@medslim/http';
import type { ApiKeys, Principal, Role } from '@medslim/registry';
import { roleAtLeast } from '@medslim/registry';
import type { AppEnv } from '../../env.ts';
import { ApiError } from '../../errors.ts';

/** Options of `bearerAuth`. */
export interface BearerAuthOptions {
  keys: ApiKeys;
  /** Paths that need no key (exact match), e.g. the OpenAPI document. */
  publicPaths?: readonly string[];
}

/** Middleware: authenticate every request not in `publicPaths` (@medslim/http's `bearerAuth`, key lookups by `ApiKeys.verify`). */
export function bearerAuth(opts: BearerAuthOptions): MiddlewareHandler<AppEnv> {
  return sharedBearerAuth<AppEnv, Principal>({
    verify: (key) => opts.keys.verify(key),
    onAuthenticated: (c, principal) => c.set('principal', principal),
    unauthorized: (message) => new ApiError(401, 'UNAUTHORIZED', message),
    publicPaths: opts.publicPaths,
  });
}

/** The caller, after `bearerAuth`. */
export function principalOf(c: Context<AppEnv>): Principal {
  return c.get('principal');
}

/**
 * The caller, if their role is at least `needed`.
 * @throws ApiError 403 FORBIDDEN naming the role needed and the key's role.
 */
export function requireRole(c: Context<AppEnv>, needed: Role): Principal {
  const p = principalOf(c);
  if (!roleAtLeast(p.role, needed)) {
    throw new ApiError(403, 'FORBIDDEN', `this needs role '${needed}' or higher; key ${p.keyId} has role '${p.role}'`);
  }
  return p;
}

/**
 * Route middleware: 403 unless the caller's role is at least `needed`. Put it in a route's
 * `middleware` so it runs before body validation (a reader gets 403, not a 400 about the body).
 */
export function role(needed: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    requireRole(c, needed);
    await next();
  };
}

/** The caller as recorded in audit entries, jobs and versions (no tenant, never the key). */
export function actorOf(p: Principal): { keyId: string; name: string | null; role: Role } {
  return { keyId: p.keyId, name: p.name, role: p.role };
}
