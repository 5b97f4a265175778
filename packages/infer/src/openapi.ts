/**
 * OpenAPI 3.0.3 document of the inference function's routes, served without a key at
 * `INFER_OPENAPI_PATH` (the platform API's own document, `/v1/openapi.json`, points here). Written by
 * hand: the inference app is a plain Hono app (no zod-openapi in the Lambda bundle).
 */
import { SUPPORTED_MEDIA_TYPES } from '@medslim/serving';

export const INFER_OPENAPI_PATH = '/v1/inference/openapi.json';

const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const name = { name: 'name', in: 'path', required: true, schema: { type: 'string' }, description: 'model name' };
const summary = {
  type: 'object',
  description: 'Counters since `since` on this instance (on Lambda: one instance); latency histograms in ms; cost in USD.',
  properties: {
    requests: { type: 'integer' }, predictions: { type: 'integer' }, errors: { type: 'integer' },
    latencyMs: { type: 'object', properties: { p50: { type: 'number' }, p95: { type: 'number' }, p99: { type: 'number' } } },
    usdPerPrediction: { type: 'number' }, usdPer1k: { type: 'number' }, usdPer1M: { type: 'number' },
  },
  additionalProperties: true,
};

/**
 * The document. `maxBatch` (images per request) and `bodyLimitBytes` come from the running
 * configuration so the limits it states are the ones enforced.
 */
export function inferenceOpenApi(limits: { maxBatch: number; bodyLimitBytes: number }): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: {
      title: 'medslim inference',
      version: '1',
      description: `Predictions from registered model versions, routed by alias (weighted canary, deterministic per X-Request-Id) or pinned to a version. At most ${limits.maxBatch} images and ${limits.bodyLimitBytes} bytes per request. Request bodies are never logged or echoed. Under \`medslim serve\` these routes share the API's origin; on AWS they are the inference function's URL.`,
    },
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key (msk_…); any role may predict.' } },
      schemas: {
        Error: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string', example: 'INVALID_INPUT' }, message: { type: 'string' } } } } },
        JsonTensor: {
          description: "The model's float input, already preprocessed in its layout (e.g. NCHW [N, C, H, W] of normalized values): a nested array (one example of rank − 1 is a batch of one) or {shape, data} with data flat.",
          oneOf: [
            { type: 'object', required: ['inputs'], properties: { inputs: { type: 'array', items: {} } } },
            { type: 'object', required: ['inputs'], properties: { inputs: { type: 'object', required: ['shape', 'data'], properties: { shape: { type: 'array', items: { type: 'integer' } }, data: { type: 'array', items: { type: 'number' } } } } } },
          ],
        },
        PredictResponse: {
          type: 'object',
          required: ['model', 'version', 'alias', 'predictions', 'latencyMs'],
          properties: {
            model: { type: 'string' },
            version: { type: 'integer' },
            alias: { type: 'string', nullable: true, description: 'the alias routed through; null when the version was pinned' },
            predictions: { type: 'array', items: { type: 'object', required: ['label', 'probabilities'], properties: { label: { type: 'string' }, probabilities: { type: 'object', additionalProperties: { type: 'number' }, description: 'softmax of the logits, by class name' } } } },
            latencyMs: { type: 'number', description: 'time from arrival to answer inside the function, ms' },
          },
        },
      },
    },
    paths: {
      '/v1/models/{name}/predict': {
        post: {
          summary: 'Predict',
          description: `Body: ${SUPPORTED_MEDIA_TYPES.join(', ')}. Images (PNG/JPEG/DICOM) go through the version's own preprocessing (resize, channels, scale, mean/std). Without ?alias= or ?version= the alias 'prod' is used.`,
          parameters: [
            name,
            { name: 'alias', in: 'query', required: false, schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }, description: "route through this alias (default 'prod')" },
            { name: 'version', in: 'query', required: false, schema: { type: 'integer', minimum: 1 }, description: 'pin a version (not with alias)' },
            { name: 'X-Request-Id', in: 'header', required: false, schema: { type: 'string' }, description: 'canary routing is deterministic per request id; echoed back' },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/JsonTensor' } },
              'image/png': { schema: { type: 'string', format: 'binary' } },
              'image/jpeg': { schema: { type: 'string', format: 'binary' } },
              'application/dicom': { schema: { type: 'string', format: 'binary' } },
            },
          },
          responses: {
            200: { description: 'one prediction per image', content: { 'application/json': { schema: { $ref: '#/components/schemas/PredictResponse' } } } },
            400: error('malformed body, wrong shape or channels, more images than allowed, bad query'),
            401: error('missing or unknown key'),
            403: error('the key may not use this model'),
            404: error('no such model, alias or version'),
            413: error('body larger than the limit'),
            415: error('unsupported Content-Type'),
            503: error('the version could not be loaded'),
          },
        },
      },
      '/v1/models/{name}/metrics': {
        get: {
          summary: "This instance's metrics for a model, all versions and each",
          parameters: [name],
          responses: {
            200: { description: 'metrics with the pricing used for cost per prediction', content: { 'application/json': { schema: { type: 'object', properties: { model: { type: 'string' }, since: { type: 'string', format: 'date-time' }, pricing: { type: 'object', additionalProperties: true }, all: summary, versions: { type: 'array', items: summary } } } } } },
            401: error('missing or unknown key'),
          },
        },
      },
      '/v1/models/{name}/versions/{v}/metrics': {
        get: {
          summary: "This instance's metrics for one version",
          parameters: [name, { name: 'v', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
          responses: { 200: { description: 'metrics of one version', content: { 'application/json': { schema: summary } } }, 400: error('the version is not a positive integer'), 401: error('missing or unknown key') },
        },
      },
      '/healthz': { get: { summary: 'Liveness and session cache state', security: [], responses: { 200: { description: 'ok' } } } },
    },
  };
}
