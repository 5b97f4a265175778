/**
 * The inference function as a Hono app. Runs anywhere Hono runs: `lambda.ts` wraps it for AWS
 * Lambda, `startServer` of @medslim/http serves it locally; nothing here imports AWS.
 *
 *   POST /v1/models/{name}/predict[?alias=prod | ?version=N]   predict (JSON tensor, PNG/JPEG, DICOM)
 *   GET  /v1/models/{name}/metrics                              this instance's metrics, all versions and each
 *   GET  /v1/models/{name}/versions/{v}/metrics                 one version's metrics
 *
 * Metrics are this process's counters since `since` (on Lambda: the answering instance's; the console
 * shows them as they come); a model or version without traffic here shows zeros, not 404.
 *   GET  /healthz                                               liveness: {"ok": true} (no key, names nothing)
 *   GET  /v1/inference/status                                   session cache state (the caller's tenant's versions; all for 'platform')
 *   GET  /v1/inference/openapi.json                             OpenAPI document of these routes (no key)
 *
 * Every /v1 route needs `Authorization: Bearer <key>`; every error is `{error: {code, message}}`.
 * Request bodies are never logged or echoed. Models are loaded on first use and stay warm across
 * requests (one ORT session per version, see `SessionCache`).
 */
import { Hono } from 'hono';
import { INFER_OPENAPI_PATH, INFER_STATUS_PATH, inferenceOpenApi } from './openapi.ts';
import { cors } from 'hono/cors';
import {
  LAMBDA_PRICE_PER_GB_SECOND,
  LAMBDA_PRICE_PER_REQUEST,
  MetricsRegistry,
  mediaKind,
  Predictor,
  ServingError,
  SessionCache,
  SUPPORTED_MEDIA_TYPES,
  type CostConfig,
  type MetricsSummary,
  type ModelSource,
} from '@medslim/serving';
import { resolveInferConfig, type InferConfig } from './config.ts';
import type { Authenticate, InferEnv } from './env.ts';
import { errorHandler } from './errors.ts';
import { bearerAuth } from './middleware/auth/index.ts';
import { limitBody } from './middleware/body-limit/index.ts';

/** What the app runs on. */
export interface InferAppDeps {
  /** Where models come from (the registry, or `InMemoryModelSource`). */
  source: ModelSource;
  /** Bearer key → caller (tenant, role), or null (→ 401). Wrap slow lookups in `cachedAuthenticate`. */
  authenticate: Authenticate;
  /** Tuning; every field has a default (see `InferConfig`). */
  config?: Partial<Omit<InferConfig, 'cost'>> & { cost?: Partial<CostConfig> };
  /** Where 5xx errors are logged (default stderr). Never receives request bodies. */
  log?: (line: string) => void;
  /** Origins allowed to call from a browser (the deployed console), or '*'; default none (same origin). */
  corsOrigins?: string[] | '*';
}

/** The app plus the pieces behind it (tests, /healthz, `medslim serve`). */
export interface InferApp extends Hono<InferEnv> {
  readonly inference: {
    config: InferConfig;
    cache: SessionCache;
    metrics: MetricsRegistry;
    predictor: Predictor;
    /** Settles when the `preload` versions are loaded (failures are logged, never thrown). */
    ready: Promise<void>;
  };
}

const VERSION = /^[1-9][0-9]{0,8}$/;

function parseVersion(raw: string, where: string): number {
  if (!VERSION.test(raw)) throw new ServingError('BAD_REQUEST', `${where} must be a version number (an integer ≥ 1); got '${raw.slice(0, 40)}'`);
  return Number(raw);
}

/**
 * Build the inference app.
 * @example
 *   const app = createInferApp({ source, authenticate: async (k) => (k === key ? { tenant: 'default', role: 'reader' } : null) });
 *   const res = await app.request('/v1/models/chest/predict', { method: 'POST', headers: {...}, body });
 */
export function createInferApp(deps: InferAppDeps): InferApp {
  const config = resolveInferConfig(deps.config);
  const log = deps.log ?? ((line: string) => process.stderr.write(`medslim infer: ${line}\n`));
  const cache = new SessionCache({
    budgetBytes: config.sessionBudgetBytes,
    intraOpNumThreads: config.intraOpNumThreads,
    maxConcurrentRuns: config.maxConcurrentRuns,
    failureTtlMs: config.failureTtlMs,
  });
  const metrics = new MetricsRegistry();
  const predictor = new Predictor({ source: deps.source, cache, metrics, maxBatch: config.maxBatch, maxImagePixels: config.maxImagePixels });

  // Cold start: load the configured versions now; requests arriving meanwhile share these loads.
  const ready = Promise.all(
    config.preload.map((t) => predictor.preload(t.tenant, t.model, t.version).catch((e: unknown) => log(`preload of ${t.tenant}/${t.model}@${t.version} failed: ${(e as Error)?.message ?? String(e)}`))),
  ).then(() => undefined);

  const app = new Hono<InferEnv>() as InferApp;
  Object.defineProperty(app, 'inference', { value: { config, cache, metrics, predictor, ready }, enumerable: false });
  app.onError(errorHandler(log));
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}; predict with POST /v1/models/{name}/predict` } }, 404));

  // Liveness only: no key, so no tenant or model names (issue 14). Details: GET /v1/inference/status with a key.
  app.get('/healthz', (c) => c.json({ ok: true }));
  const doc = inferenceOpenApi({ maxBatch: config.maxBatch, bodyLimitBytes: config.bodyLimitBytes });
  app.get(INFER_OPENAPI_PATH, (c) => c.json(doc)); // before the key check: the document is public, as the API's

  if (deps.corsOrigins) {
    app.use('/v1/*', cors({ origin: deps.corsOrigins, allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'], allowMethods: ['GET', 'POST', 'OPTIONS'], maxAge: 600 }));
  }
  app.use('/v1/*', bearerAuth(deps.authenticate));

  const limit = limitBody(config.bodyLimitBytes, `send fewer or smaller images per request (at most ${config.maxBatch} per batch)`);

  app.post('/v1/models/:name/predict', limit, async (c) => {
    const kind = mediaKind(c.req.header('content-type'));
    if (!kind) {
      const got = c.req.header('content-type');
      throw new ServingError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be one of ${SUPPORTED_MEDIA_TYPES.join(', ')} (got ${got ? `'${got.slice(0, 100)}'` : 'none'})`);
    }
    const aliasQ = c.req.query('alias');
    const versionQ = c.req.query('version');
    if (aliasQ !== undefined && versionQ !== undefined) throw new ServingError('BAD_REQUEST', 'pass either ?alias= or ?version=, not both');
    if (aliasQ !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(aliasQ)) {
      throw new ServingError('BAD_REQUEST', `?alias= must be an alias name (letters, digits, '.', '_', '-', up to 64 characters)`);
    }
    const version = versionQ === undefined ? undefined : parseVersion(versionQ, '?version=');
    const requestId = c.req.header('x-request-id') ?? null;
    const body = kind === 'json' ? await c.req.text() : new Uint8Array(await c.req.arrayBuffer());
    const res = await predictor.predict({
      tenant: c.get('caller').tenant,
      model: c.req.param('name'),
      alias: aliasQ,
      version,
      requestId,
      kind,
      body,
      startedAt: c.get('startedAt'),
    });
    if (requestId) c.header('x-request-id', requestId.slice(0, 200));
    return c.json(res);
  });

  app.get(INFER_STATUS_PATH, (c) => {
    const caller = c.get('caller');
    const { runLimits, ...totals } = cache.stats();
    // A tenant sees its own loaded versions; a platform key sees every tenant's.
    const own = Object.entries(runLimits).filter(([key]) => caller.role === 'platform' || key.startsWith(`${caller.tenant}/`));
    return c.json({ ok: true, sessions: { ...totals, runLimits: Object.fromEntries(own) } });
  });

  const pricing = {
    memoryMb: config.cost.memoryMb,
    architecture: config.cost.architecture,
    pricePerRequest: config.cost.pricePerRequest ?? LAMBDA_PRICE_PER_REQUEST,
    pricePerGbSecond: config.cost.pricePerGbSecond ?? LAMBDA_PRICE_PER_GB_SECOND[config.cost.architecture],
    currency: 'USD',
    formula: '(pricePerRequest + memoryMb/1024 × billed seconds × pricePerGbSecond) / batch, each request billed in whole ms (rounded up) of its time inside the function',
  };
  app.get('/v1/models/:name/metrics', (c) => {
    const tenant = c.get('caller').tenant;
    const model = c.req.param('name');
    const versions = metrics.versions(tenant, model).map((version) => ({ version, ...metrics.summary(tenant, model, version, config.cost) }));
    const all: MetricsSummary = metrics.summary(tenant, model, undefined, config.cost);
    return c.json({ model, since: metrics.since, pricing, all, versions });
  });

  app.get('/v1/models/:name/versions/:v/metrics', (c) => {
    const tenant = c.get('caller').tenant;
    const model = c.req.param('name');
    const version = parseVersion(c.req.param('v'), 'the version in the path');
    return c.json({ model, version, since: metrics.since, pricing, ...metrics.summary(tenant, model, version, config.cost) });
  });

  return app;
}

export { resolveInferConfig, configFromEnv, fromEnv, hostArchitecture, parsePreload, type InferConfig, type PreloadTarget } from './config.ts';
export { cachedAuthenticate } from './middleware/auth/index.ts';
export type { Authenticate, Caller, InferEnv } from './env.ts';
export { combineFetch, isInferPath } from './combine.ts';
export { connectRegistry, connectFromEnv } from './connect.ts';
export { INFER_OPENAPI_PATH, INFER_STATUS_PATH, inferenceOpenApi } from './openapi.ts';
export { RegistryModelSource } from '@medslim/serving';
