/**
 * How a /v1 route is declared: `routesFor(tag)` gives a `route(method, path, spec)` that adds what every route
 * shares — its tag, bearer security with its 401, the role middleware with its 403 when `spec.role` is set, a 404
 * when its path has a parameter (the resource may not exist, or be another tenant's) — and
 * the documented error responses the route names in `spec.errors`, so each route states only what differs.
 * The OpenAPI document (`/v1/openapi.json`) is generated from these definitions (`@hono/zod-openapi`).
 */
import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
import { ErrorSchema, type Role } from '@medslim/contracts';
import { role as needsRole } from '../middleware/auth/index.ts';

/** Every route needs `Authorization: Bearer <key>`. */
const security = [{ bearer: [] }];

const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });

/** Error responses documented on routes (the bodies all come from the one error handler, errors.ts). */
const errors = {
  400: error('Invalid input (the message names the field)'),
  401: error('Missing or invalid API key'),
  403: error('The key’s role is not enough'),
  404: error('Not found (also for another tenant’s resources)'),
  409: error('Conflicts with the current state'),
  412: error('Stale If-Match'),
  413: error('Body too large'),
  415: error('Wrong Content-Type'),
  428: error('If-Match required'),
  429: error('Too many open event streams for this key'),
  501: error('Not available on this store'),
} as const;

/** A documented error status a route may answer besides 401 (every route), 403 (routes with a role) and 404 (routes with a path parameter). */
export type ErrorStatus = Exclude<keyof typeof errors, 401 | 403>;

/** A JSON response: `description` and the body's schema. */
export const json = <S extends ZodType>(description: string, schema: S) => ({ description, content: { 'application/json': { schema } } });

/** A JSON request body (`required: false` when the body may be left out). */
export const jsonBody = <S extends ZodType>(schema: S, required = true) => ({ required, content: { 'application/json': { schema } } });

/** What one route declares itself. */
export interface RouteSpec {
  summary: string;
  description?: string;
  /** Least role the key needs (adds the role check and a 403); none: any valid key. */
  role?: Role;
  request?: RouteConfig['request'];
  /** The success responses (errors come from `errors`). */
  responses: RouteConfig['responses'];
  /** Error statuses the route can answer besides 401, 403 (with a role) and 404 (with a path parameter). */
  errors?: readonly ErrorStatus[];
}

/** A route definer for the routes of one OpenAPI tag (see the module comment); `defaults.role`: the role each of them needs unless it says otherwise. */
export function routesFor(tag: string, defaults: { role?: Role } = {}) {
  return <M extends RouteConfig['method'], P extends string, S extends RouteSpec>(method: M, path: P, spec: S) => {
    const { role = defaults.role, errors: codes = [], responses, ...rest } = spec;
    // A path parameter names a resource that may not exist (or be another tenant's, which reads the same): 404.
    const statuses = [...new Set([401, ...(role ? [403] : []), ...(path.includes('{') ? [404] : []), ...codes])] as (keyof typeof errors)[];
    return createRoute({
      ...rest,
      method,
      path,
      tags: [tag],
      security,
      middleware: role ? [needsRole(role)] : [],
      responses: { ...responses, ...Object.fromEntries(statuses.map((s) => [s, errors[s]])) } as S['responses'],
    });
  };
}
