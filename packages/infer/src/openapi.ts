/**
 * OpenAPI 3.0.3 document of the inference function's routes, served without a key at
 * `INFER_OPENAPI_PATH` (the platform API's own document, `/v1/openapi.json`, points here). Generated
 * from the @medslim/contracts schemas with the same generator `@hono/zod-openapi` uses for the API
 * (`@asteasolutions/zod-to-openapi`); `INFER_ROUTES` lists the routes and a test checks it against the
 * routes the app serves.
 */
import { OpenAPIRegistry, OpenApiGeneratorV3, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { ALIAS_QUERY_PATTERN, ErrorSchema, HealthSchema, JsonTensorRequestSchema, ModelMetricsSchema, PredictResponseSchema, VersionMetricsSchema } from '@medslim/contracts';
import { SUPPORTED_MEDIA_TYPES } from '@medslim/serving';
import { z } from 'zod';

export const INFER_OPENAPI_PATH = '/v1/inference/openapi.json';
/** Path of the session cache state (needs a key). */
export const INFER_STATUS_PATH = '/v1/inference/status';

const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
const binary = { schema: z.string().meta({ format: 'binary' }) };
const NameParam = z.object({ name: z.string().describe('model name') });
const security = [{ bearer: [] }];

/** The inference routes (OpenAPI path syntax), each as the document describes it. */
export const INFER_ROUTES: readonly RouteConfig[] = [
  {
    method: 'post',
    path: '/v1/models/{name}/predict',
    summary: 'Predict',
    description: `Body: ${SUPPORTED_MEDIA_TYPES.join(', ')}. Images (PNG/JPEG/DICOM) go through the version's own preprocessing (resize, channels, scale, mean/std). Without ?alias= or ?version= the alias 'prod' is used.`,
    security,
    request: {
      params: NameParam,
      query: z.object({
        alias: z.string().regex(ALIAS_QUERY_PATTERN).optional().describe("route through this alias (default 'prod')"),
        version: z.number().int().min(1).optional().describe('pin a version (not with alias)'),
      }),
      headers: z.object({ 'X-Request-Id': z.string().optional().describe('canary routing is deterministic per request id; echoed back') }),
      body: { required: true, content: { 'application/json': { schema: JsonTensorRequestSchema }, 'image/png': binary, 'image/jpeg': binary, 'application/dicom': binary } },
    },
    responses: {
      200: { description: 'one prediction per image', content: { 'application/json': { schema: PredictResponseSchema } } },
      400: error('malformed body, wrong shape or channels, more images than allowed, bad query'),
      401: error('missing or unknown key'),
      403: error('the key may not use this model'),
      404: error('no such model, alias or version'),
      413: error('body larger than the limit'),
      415: error('unsupported Content-Type'),
      503: error('the version could not be loaded'),
    },
  },
  {
    method: 'get',
    path: '/v1/models/{name}/metrics',
    summary: "This instance's metrics for a model, all versions and each",
    security,
    request: { params: NameParam },
    responses: { 200: { description: 'metrics with the pricing used for cost per prediction', content: { 'application/json': { schema: ModelMetricsSchema } } }, 401: error('missing or unknown key') },
  },
  {
    method: 'get',
    path: '/v1/models/{name}/versions/{v}/metrics',
    summary: "This instance's metrics for one version",
    security,
    request: { params: NameParam.extend({ v: z.number().int().min(1) }) },
    responses: { 200: { description: 'metrics of one version', content: { 'application/json': { schema: VersionMetricsSchema } } }, 400: error('the version is not a positive integer'), 401: error('missing or unknown key') },
  },
  { method: 'get', path: '/healthz', summary: 'Liveness: {"ok": true} while the function answers (no key; names no tenant or model)', security: [], responses: { 200: { description: 'ok', content: { 'application/json': { schema: z.object({ ok: z.literal(true) }) } } } } },
  {
    method: 'get',
    path: INFER_STATUS_PATH,
    summary: "Session cache state of this instance: sessions, bytes, loads, evictions and the run limit of each loaded version of the caller's tenant (every tenant's for a 'platform' key)",
    security,
    responses: { 200: { description: 'cache state', content: { 'application/json': { schema: HealthSchema } } }, 401: error('missing or unknown key') },
  },
];

/**
 * The document. `maxBatch` (images per request) and `bodyLimitBytes` come from the running
 * configuration so the limits it states are the ones enforced.
 */
export function inferenceOpenApi(limits: { maxBatch: number; bodyLimitBytes: number }): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'An API key (msk_…); any role may predict.' });
  for (const route of INFER_ROUTES) registry.registerPath(route);
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'medslim inference',
      version: '1',
      description: `Predictions from registered model versions, routed by alias (weighted canary, deterministic per X-Request-Id) or pinned to a version. At most ${limits.maxBatch} images and ${limits.bodyLimitBytes} bytes per request. Request bodies are never logged or echoed. Under \`medslim serve\` these routes share the API's origin; on AWS they are the inference function's URL.`,
    },
    security,
  }) as unknown as Record<string, unknown>;
}
