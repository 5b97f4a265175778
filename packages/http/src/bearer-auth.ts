/**
 * Bearer-key authentication (`Authorization: Bearer <key>`), one middleware for the API and the
 * inference app: missing, malformed or unknown keys are rejected with the app's own 401 error (its
 * `onError` adds `WWW-Authenticate: Bearer`); a known key's caller goes on the context.
 */
import type { Context, Env, MiddlewareHandler } from 'hono';

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/** Options of `bearerAuth`. */
export interface BearerAuthOptions<E extends Env, P> {
  /** The caller a key stands for, or null for an unknown key (a store lookup; cache it, it runs per request). */
  verify: (key: string) => Promise<P | null>;
  /** Put the caller on the context (e.g. `c.set('principal', p)`). */
  onAuthenticated: (c: Context<E>, caller: P) => void;
  /** The app's 401 error for `message` (thrown; the app's error handler answers it). */
  unauthorized: (message: string) => Error;
  /** Paths that need no key (exact match), e.g. an OpenAPI document. */
  publicPaths?: readonly string[];
}

/** Middleware: authenticate every request whose path is not in `publicPaths`. */
export function bearerAuth<E extends Env, P>(opts: BearerAuthOptions<E, P>): MiddlewareHandler<E> {
  const open = new Set(opts.publicPaths ?? []);
  return async (c, next) => {
    if (open.has(c.req.path)) return next();
    const header = c.req.header('authorization');
    if (!header) throw opts.unauthorized('missing API key: send Authorization: Bearer <key>');
    const m = BEARER.exec(header);
    if (!m) throw opts.unauthorized('malformed Authorization header: use Authorization: Bearer <key>');
    const caller = await opts.verify(m[1]);
    if (!caller) throw opts.unauthorized('invalid API key');
    opts.onAuthenticated(c, caller);
    await next();
  };
}
