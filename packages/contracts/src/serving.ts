/** Serving documents: the predict request (JSON tensors) and response, and the per-instance metrics with cost. */
import { z } from 'zod';

/** Model and alias names in the inference routes' query: letters, digits, '.', '_', '-'; 1 … 64 characters. */
export const ALIAS_QUERY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * POST /v1/models/{name}/predict with `application/json`: the model's float input, already preprocessed in its
 * layout (e.g. NCHW [N, C, H, W] of normalized values) — a nested array (one example of rank − 1 is a batch
 * of one) or `{shape, data}` with data flat. `@medslim/serving` decodeJson checks it against the model.
 */
export const JsonTensorRequestSchema = z
  .strictObject({
    inputs: z.union([
      z.array(z.unknown()).describe('Nested array [N, …] (or one example without N).'),
      z.object({ shape: z.array(z.number().int().min(1)), data: z.array(z.number()) }),
    ]),
  })
  .meta({ id: 'JsonTensor' });
export type JsonTensorRequest = z.infer<typeof JsonTensorRequestSchema>;

/** One image's answer. */
export const PredictionSchema = z.object({
  /** The most probable class. */
  label: z.string(),
  /** Every class's probability (softmax of the logits), by class name. */
  probabilities: z.record(z.string(), z.number()).describe('softmax of the logits, by class name'),
});
export type Prediction = z.infer<typeof PredictionSchema>;

/** The answer to a predict request. */
export const PredictResponseSchema = z
  .object({
    model: z.string(),
    version: z.number().int(),
    /** The alias routed through, or null when the version was pinned. */
    alias: z.string().nullable().describe('the alias routed through; null when the version was pinned'),
    /** One prediction per image, in request order. */
    predictions: z.array(PredictionSchema),
    /** Time from arrival to answer inside the function, ms. */
    latencyMs: z.number().describe('time from arrival to answer inside the function, ms'),
  })
  .meta({ id: 'PredictResponse' });
export type PredictResponse = z.infer<typeof PredictResponseSchema>;

/** Quantiles of one latency histogram, ms (null before the first request). */
export const LatencySummarySchema = z.object({
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
  mean: z.number().nullable(),
  /** Largest value seen (exact). */
  max: z.number().nullable(),
});
export type LatencySummary = z.infer<typeof LatencySummarySchema>;

/** What the metrics routes show for one version, or for all versions of a model together, on this instance. */
export const MetricsSummarySchema = z
  .object({
    /** Requests routed to this version (successful and failed). */
    requests: z.number().int(),
    /** Requests that failed after routing (4xx bad input and 5xx). */
    errors: z.number().int(),
    /** Of `errors`, those answered 5xx. */
    serverErrors: z.number().int(),
    /** Images predicted (sum of successful batch sizes). */
    predictions: z.number().int(),
    /** Requests in the current minute and the 59 before it. */
    requestsLastHour: z.number().int(),
    /** Time in `session.run`, ms. */
    modelMs: LatencySummarySchema,
    /** Whole request inside the function (auth, decode, run, answer), ms. */
    requestMs: LatencySummarySchema,
    /** USD per prediction over the successful requests so far (Lambda's price formula); null before the first prediction. */
    usdPerPrediction: z.number().nullable(),
    /** usdPerPrediction × 1,000. */
    usdPer1k: z.number().nullable(),
    /** usdPerPrediction × 1,000,000. */
    usdPer1M: z.number().nullable(),
  })
  .meta({ id: 'MetricsSummary' });
export type MetricsSummary = z.infer<typeof MetricsSummarySchema>;

/** The price formula and figures the cost columns use (USD). */
export const PricingSchema = z
  .object({
    /** Function memory, MB. */
    memoryMb: z.number(),
    architecture: z.enum(['x86_64', 'arm64']),
    /** USD per request. */
    pricePerRequest: z.number(),
    /** USD per GB-second. */
    pricePerGbSecond: z.number(),
    currency: z.literal('USD'),
    formula: z.string(),
  })
  .meta({ id: 'Pricing' });
export type Pricing = z.infer<typeof PricingSchema>;

/** GET /v1/models/{name}/metrics: this instance's counters since `since`, all versions together and each. */
export const ModelMetricsSchema = z
  .object({
    model: z.string(),
    /** When this instance started counting (ISO time). */
    since: z.string(),
    pricing: PricingSchema,
    all: MetricsSummarySchema,
    versions: z.array(MetricsSummarySchema.extend({ version: z.number().int() })),
  })
  .meta({ id: 'ModelMetrics' });
export type ModelMetrics = z.infer<typeof ModelMetricsSchema>;

/** GET /v1/models/{name}/versions/{v}/metrics. */
export const VersionMetricsSchema = MetricsSummarySchema.extend({ model: z.string(), version: z.number().int(), since: z.string(), pricing: PricingSchema }).meta({ id: 'VersionMetrics' });
export type VersionMetrics = z.infer<typeof VersionMetricsSchema>;

/** GET /healthz of the inference app: liveness and the session cache's state. */
export const HealthSchema = z
  .object({
    ok: z.literal(true),
    sessions: z.object({
      sessions: z.number().int(),
      bytes: z.number().int(),
      budgetBytes: z.number().int(),
      loads: z.number().int(),
      evictions: z.number().int(),
      /** Concurrent runs allowed per loaded version. */
      runLimits: z.record(z.string(), z.number()),
    }),
  })
  .meta({ id: 'Health' });
export type Health = z.infer<typeof HealthSchema>;
