/** What every route module gets. Route definitions: define.ts. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { JobRunner, Registry } from '@medslim/registry';
import type { AppEnv } from '../env.ts';

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

/** `"etag"` as an HTTP entity tag. */
export const quoteEtag = (etag: string) => `"${etag}"`;
