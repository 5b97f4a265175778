/**
 * Configuration of the inference function: one typed object with a documented default for every
 * field, `configFromEnv` reading it from the environment (Lambda, containers, `medslim serve`), and
 * `fromEnv` — the config plus the registry connection (connect.ts) — for `lambda.ts`.
 */
import { inferenceConfig, vcpusForMemory, type Env, type InferenceConfig, type PreloadTarget } from '@medslim/config';
import type { Architecture, CostConfig, ModelSource } from '@medslim/serving';
import { connectFromEnv } from './connect.ts';
import type { Authenticate } from './env.ts';

/** Everything the inference app can be tuned with. */
export interface InferConfig {
  /** Most images per request (JSON batch N, DICOM frames). Default 64. */
  maxBatch: number;
  /** Largest request body in bytes, answered 413 above it. Default 6 MiB (Lambda's synchronous payload limit). */
  bodyLimitBytes: number;
  /** Budget for cached sessions, by ONNX file bytes (LRU eviction above it). Default 256 MiB. */
  sessionBudgetBytes: number;
  /** ORT intra-op threads per session. Default `vcpusForMemory(memoryMb)` (1 vCPU per 1,769 MB). */
  intraOpNumThreads: number;
  /** Most `session.run` in flight per session: 0 = no limit, 'auto' (default) = what fits in 2 ms of model time per event-loop turn (see `SessionCacheOptions.maxConcurrentRuns`). */
  maxConcurrentRuns: number | 'auto';
  /** How long a failed model load (e.g. missing files) is remembered before retrying, ms. Default 5,000. */
  failureTtlMs: number;
  /** Largest decoded image, pixels (decompression bombs). Default 40,000,000. */
  maxImagePixels: number;
  /** Pricing for cost per prediction: memory (default 512 MB), architecture (default this process's), prices (list prices). */
  cost: CostConfig;
  /** Versions to load and warm up when the app is created (a Lambda cold start), so they are warm for the first request. Default none. */
  preload: PreloadTarget[];
}

export { parsePreload, type PreloadTarget } from '@medslim/config';

/** Lambda architecture of this process (`process.arch` 'arm64' → arm64, anything else → x86_64). */
export function hostArchitecture(): Architecture {
  return process.arch === 'arm64' ? 'arm64' : 'x86_64';
}

/**
 * Fill defaults into a partial config (the `cost` object merges field by field). The defaults are
 * @medslim/config's — what an empty environment reads as — so the app and the deployed function
 * cannot disagree; prices default by architecture in the metrics (`lambdaCost`).
 */
export function resolveInferConfig(p: Partial<Omit<InferConfig, 'cost'>> & { cost?: Partial<CostConfig> } = {}): InferConfig {
  const d = inferenceConfig({}, { arch: process.arch });
  const cost: CostConfig = { memoryMb: d.memoryMb, architecture: hostArchitecture(), ...definedOnly(p.cost ?? {}) };
  return {
    maxBatch: p.maxBatch ?? d.maxBatch,
    bodyLimitBytes: p.bodyLimitBytes ?? d.bodyLimitBytes,
    sessionBudgetBytes: p.sessionBudgetBytes ?? d.sessionBudgetBytes,
    intraOpNumThreads: p.intraOpNumThreads ?? vcpusForMemory(cost.memoryMb),
    maxConcurrentRuns: p.maxConcurrentRuns ?? d.maxConcurrentRuns,
    failureTtlMs: p.failureTtlMs ?? d.failureTtlMs,
    maxImagePixels: p.maxImagePixels ?? d.maxImagePixels,
    cost,
    preload: p.preload ?? d.preload,
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The config from the environment, read by @medslim/config's `inferenceConfig` (the variables are
 * documented on `InferenceConfig` there: AWS_LAMBDA_FUNCTION_MEMORY_SIZE / MEDSLIM_INFER_MEMORY_MB,
 * MEDSLIM_INFER_ARCHITECTURE, MEDSLIM_INFER_* limits and prices, MEDSLIM_INFER_PRELOAD).
 * @throws ConfigError naming the variable and the value when one is malformed.
 */
export function configFromEnv(env: Env = process.env): InferConfig {
  return fromInferenceConfig(inferenceConfig(env, { arch: process.arch }));
}

/** @medslim/config's `InferenceConfig` in the app's shape. */
function fromInferenceConfig(c: InferenceConfig): InferConfig {
  return {
    maxBatch: c.maxBatch,
    bodyLimitBytes: c.bodyLimitBytes,
    sessionBudgetBytes: c.sessionBudgetBytes,
    intraOpNumThreads: c.intraOpNumThreads,
    maxConcurrentRuns: c.maxConcurrentRuns,
    failureTtlMs: c.failureTtlMs,
    maxImagePixels: c.maxImagePixels,
    cost: { memoryMb: c.memoryMb, architecture: c.architecture, pricePerGbSecond: c.pricePerGbSecond, pricePerRequest: c.pricePerRequest },
    preload: c.preload,
  };
}

/**
 * Everything `createInferApp` needs, from the environment: `configFromEnv` plus the model source and
 * key check from `connectFromEnv` (connect.ts).
 * @throws Error naming a malformed variable, or from `connectFromEnv`.
 */
export function fromEnv(env: Env = process.env): { source: ModelSource; authenticate: Authenticate; config: InferConfig; corsOrigins: string[] | '*' } {
  const inference = inferenceConfig(env, { arch: process.arch });
  return { ...connectFromEnv(env), config: fromInferenceConfig(inference), corsOrigins: inference.corsOrigins };
}
