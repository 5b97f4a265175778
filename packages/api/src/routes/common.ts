/** What every route module gets, and the shared OpenAPI bits. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { JobRunner, Registry } from '@medslim/registry';
import type { AppEnv } from '../env.ts';
import { ErrorSchema } from '@medslim/contracts';

/** Dependencies of the route modules (built by `createApp`). */
export interface RouteDeps {
  registry: Registry;
  runner: JobRunner;
  /** Largest upload, in bytes. */
  maxUploadBytes: number;
  /** How often the SSE stream re-reads a job, in ms. */
  ssePollMs: number;
  /** Most event streams one API key may hold open (429 above it). */
  maxStreamsPerKey: number;
  /** Answer artifact downloads with a redirect to a presigned URL when the store has them (Lambda). */
  redirectDownloads: boolean;
  log: (line: string) => void;
}

/** A route module: registers its routes on the /v1 app. */
export type RouteModule = (app: OpenAPIHono<AppEnv>, deps: RouteDeps) => void;

/** Every route needs `Authorization: Bearer <key>`. */
export const security = [{ bearer: [] }];

const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });

/** Error responses documented on routes (the bodies all come from the one error handler). */
export const errors = {
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

/** Pick documented error responses. */
export function errorResponses<K extends keyof typeof errors>(...codes: K[]): Pick<typeof errors, K> {
  return Object.fromEntries(codes.map((c) => [c, errors[c]])) as Pick<typeof errors, K>;
}

/** `"etag"` as an HTTP entity tag. */
export const quoteEtag = (etag: string) => `"${etag}"`;
