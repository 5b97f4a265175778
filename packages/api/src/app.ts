/**
 * The medslim API as a Hono app (`@hono/zod-openapi`), all under `/v1`, OpenAPI document at
 * `/v1/openapi.json`. Runs anywhere Hono runs: `lambda.ts` wraps it for AWS Lambda, `server.ts`
 * serves it with `@hono/node-server`. Nothing here imports AWS.
 *
 * Every error is `{error: {code, message}}` (see errors.ts); every route but the OpenAPI document
 * needs `Authorization: Bearer <key>`; a tenant only ever sees its own models, uploads and jobs
 * (another tenant's are answered 404, so names do not leak).
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { BlobStore, JobRunner } from '@medslim/registry';
import { DEFAULT_MAX_UPLOAD_BYTES, jsonTooDeep, MAX_JSON_DEPTH, pollingOnlyRunner, Registry } from '@medslim/registry';
import type { AppEnv } from './env.ts';
import { ApiError, errorHandler, validationHook } from './errors.ts';
import { bearerAuth } from './middleware/auth/index.ts';
import { aliasRoutes } from './routes/aliases.ts';
import type { RouteDeps } from './routes/common.ts';
import { jobRoutes } from './routes/jobs.ts';
import { cors } from 'hono/cors';
import { keyRoutes } from './routes/keys.ts';
import { modelRoutes } from './routes/models.ts';
import { uploadRoutes } from './routes/uploads.ts';

/** What the app runs on. Only `store` is required; every default suits a local server. */
export interface AppDeps {
  store: BlobStore;
  /** Where queued jobs go (default: nowhere — a polling `medslim worker` picks them up). */
  runner?: JobRunner;
  /** Largest upload in bytes (default 512 MiB). */
  maxUploadBytes?: number;
  /** Largest JSON request body in bytes (default 1 MiB). */
  maxJsonBytes?: number;
  /** How often an SSE stream re-reads its job, in ms (default 300). */
  ssePollMs?: number;
  /** Most job event streams (SSE) one API key may hold open at once (default 8; more → 429). */
  maxStreamsPerKey?: number;
  /** Redirect artifact downloads to presigned store URLs when the store has them (default false; true on Lambda). */
  redirectDownloads?: boolean;
  /** Where 5xx errors and dispatch failures are logged (default stderr). Request bodies are never logged. */
  log?: (line: string) => void;
  /**
   * Origins allowed to call the API from a browser (CORS), e.g. the deployed console's URL, or '*'
   * (bearer keys, no cookies). Default none: the local console is served from the same origin.
   */
  corsOrigins?: string[] | '*';
}

/** CORS for the console on another origin: bearer and If-Match in, ETag out (hono/cors). */
export function corsOptions(origins: string[] | '*') {
  return {
    origin: origins === '*' ? '*' : origins,
    allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'X-Request-Id'],
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    exposeHeaders: ['ETag', 'X-Checksum-Sha256', 'Content-Disposition'],
    maxAge: 600,
  };
}

/** Path of the OpenAPI document (needs no key). */
export const OPENAPI_PATH = '/v1/openapi.json';

/**
 * Build the API app on `deps.store`.
 * @example
 *   const app = createApp({ store: new FsBlobStore('.medslim/store') });
 *   const res = await app.request('/v1/models', { headers: { authorization: `Bearer ${key}` } });
 */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const log = deps.log ?? ((line: string) => process.stderr.write(`medslim api: ${line}\n`));
  const maxUploadBytes = deps.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const registry = new Registry(deps.store, { maxUploadBytes });
  const routeDeps: RouteDeps = {
    registry,
    runner: deps.runner ?? pollingOnlyRunner,
    maxUploadBytes,
    ssePollMs: deps.ssePollMs ?? 300,
    maxStreamsPerKey: deps.maxStreamsPerKey ?? 8,
    redirectDownloads: deps.redirectDownloads ?? false,
    log,
  };

  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  if (deps.corsOrigins) app.use('/v1/*', cors(corsOptions(deps.corsOrigins)));
  app.onError(errorHandler(log));
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}; see ${OPENAPI_PATH}` } }, 404));

  const maxJsonBytes = deps.maxJsonBytes ?? 1024 * 1024;
  const jsonLimit = bodyLimit({
    maxSize: maxJsonBytes,
    onError: () => {
      throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `request body exceeds ${maxJsonBytes} bytes; only POST /v1/uploads takes large bodies`);
    },
  });
  // Uploads enforce their own (much larger) limit while streaming to the store.
  app.use('/v1/*', (c, next) => (c.req.method === 'POST' && c.req.path === '/v1/uploads' ? next() : jsonLimit(c, next)));
  app.use('/v1/*', bearerAuth({ keys: registry.keys, publicPaths: [OPENAPI_PATH] }));
  // JSON nesting is checked by a linear scan before anything parses the body (issue 14: a body nested
  // millions of levels deep must not hold the event loop); the text is cached for the validator.
  app.use('/v1/*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && /^application\/(?:[\w.+-]+\+)?json\b/i.test(c.req.header('content-type') ?? '')) {
      if (jsonTooDeep(await c.req.text(), MAX_JSON_DEPTH)) throw new ApiError(400, 'BAD_REQUEST', `the JSON body nests deeper than ${MAX_JSON_DEPTH} levels; no request body of this API needs more than a few`);
    }
    await next();
  });
  app.use('/v1/*', async (c, next) => {
    c.set('registry', registry);
    await next();
  });

  const v1 = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  for (const routes of [keyRoutes, uploadRoutes, modelRoutes, aliasRoutes, jobRoutes]) routes(v1, routeDeps);
  app.route('/v1', v1);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (msk_…) bound to a tenant and a role: reader, deployer or admin.',
  });
  app.doc(OPENAPI_PATH, {
    openapi: '3.0.3',
    info: {
      title: 'medslim API',
      version: '1',
      description: 'Upload hospital image classifiers and datasets, run compression jobs, and roll versioned, traceable results out with aliases. Predictions (POST /v1/models/{name}/predict) and serving metrics are the inference function\'s routes, described at /v1/inference/openapi.json (same origin under `medslim serve`; the inference function URL on AWS).',
    },
  });
  return app;
}

/** `withConsole` puts the built web console in front of the API at `/` (served by @medslim/http's `startServer`). */
export { withConsole } from './console.ts';
/** `configFromEnv` builds `AppDeps` from MEDSLIM_* environment variables (Lambda, containers). */
export { configFromEnv } from './config.ts';
export { ApiError } from './errors.ts';
export type { AppEnv } from './env.ts';
