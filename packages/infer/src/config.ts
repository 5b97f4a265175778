/**
 * Configuration of the inference function: one typed object with a documented default for every
 * field, `configFromEnv` reading it from the environment (Lambda, containers, `medslim serve`), and
 * `fromEnv` — the config plus the registry connection (connect.ts) — for `lambda.ts`.
 */
import { DEFAULT_MAX_IMAGE_PIXELS, vcpusForMemory, type Architecture, type CostConfig, type ModelSource } from '@medslim/serving';
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

/** One version to load at start-up. */
export interface PreloadTarget {
  tenant: string;
  model: string;
  version: number;
}

/** Parse `MEDSLIM_INFER_PRELOAD`: comma-separated `tenant/model@version`, e.g. `default/chest@3,default/chest@4`. */
export function parsePreload(raw: string): PreloadTarget[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const m = /^([^/\s]+)\/([^@\s]+)@([1-9][0-9]*)$/.exec(item);
      if (!m) throw new Error(`MEDSLIM_INFER_PRELOAD entries look like tenant/model@version (e.g. default/chest@3); got '${item}'`);
      return { tenant: m[1], model: m[2], version: Number(m[3]) };
    });
}

/** Lambda architecture of this process (`process.arch` 'arm64' → arm64, anything else → x86_64). */
export function hostArchitecture(): Architecture {
  return process.arch === 'arm64' ? 'arm64' : 'x86_64';
}

/** Fill defaults into a partial config (the `cost` object merges field by field). */
export function resolveInferConfig(p: Partial<Omit<InferConfig, 'cost'>> & { cost?: Partial<CostConfig> } = {}): InferConfig {
  const cost: CostConfig = { memoryMb: 512, architecture: hostArchitecture(), ...definedOnly(p.cost ?? {}) };
  return {
    maxBatch: p.maxBatch ?? 64,
    bodyLimitBytes: p.bodyLimitBytes ?? 6 * 1024 * 1024,
    sessionBudgetBytes: p.sessionBudgetBytes ?? 256 * 1024 * 1024,
    intraOpNumThreads: p.intraOpNumThreads ?? vcpusForMemory(cost.memoryMb),
    maxConcurrentRuns: p.maxConcurrentRuns ?? 'auto',
    failureTtlMs: p.failureTtlMs ?? 5000,
    maxImagePixels: p.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS,
    cost,
    preload: p.preload ?? [],
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The config from environment variables (each optional):
 * - `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` (set by Lambda) or `MEDSLIM_INFER_MEMORY_MB`: memory in MB;
 * - `MEDSLIM_INFER_ARCHITECTURE`: x86_64 | arm64 (default: this process's architecture);
 * - `MEDSLIM_INFER_PRICE_PER_REQUEST`, `MEDSLIM_INFER_PRICE_PER_GB_SECOND`: USD;
 * - `MEDSLIM_INFER_MAX_BATCH`, `MEDSLIM_INFER_BODY_LIMIT_BYTES`, `MEDSLIM_INFER_SESSION_BUDGET_BYTES`,
 *   `MEDSLIM_INFER_INTRA_OP_THREADS` (default: vCPUs implied by memory), `MEDSLIM_INFER_MAX_CONCURRENT_RUNS` (auto or an integer, 0 = none),
 *   `MEDSLIM_INFER_FAILURE_TTL_MS`, `MEDSLIM_INFER_MAX_IMAGE_PIXELS`;
 * - `MEDSLIM_INFER_PRELOAD`: versions to load at cold start, `tenant/model@version,…`.
 * @throws Error naming the variable and the value when one is malformed.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): InferConfig {
  const int = (name: string, min: number): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const v = Number(raw);
    if (!Number.isSafeInteger(v) || v < min) throw new Error(`${name} must be an integer ≥ ${min} (got '${raw}')`);
    return v;
  };
  const num = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number ≥ 0 in USD (got '${raw}')`);
    return v;
  };
  const arch = env.MEDSLIM_INFER_ARCHITECTURE;
  if (arch !== undefined && arch !== 'x86_64' && arch !== 'arm64') throw new Error(`MEDSLIM_INFER_ARCHITECTURE must be x86_64 or arm64 (got '${arch}')`);
  return resolveInferConfig({
    maxBatch: int('MEDSLIM_INFER_MAX_BATCH', 1),
    bodyLimitBytes: int('MEDSLIM_INFER_BODY_LIMIT_BYTES', 1),
    sessionBudgetBytes: int('MEDSLIM_INFER_SESSION_BUDGET_BYTES', 1),
    intraOpNumThreads: int('MEDSLIM_INFER_INTRA_OP_THREADS', 1),
    maxConcurrentRuns: env.MEDSLIM_INFER_MAX_CONCURRENT_RUNS === 'auto' ? 'auto' : int('MEDSLIM_INFER_MAX_CONCURRENT_RUNS', 0),
    failureTtlMs: int('MEDSLIM_INFER_FAILURE_TTL_MS', 0),
    maxImagePixels: int('MEDSLIM_INFER_MAX_IMAGE_PIXELS', 1),
    preload: env.MEDSLIM_INFER_PRELOAD ? parsePreload(env.MEDSLIM_INFER_PRELOAD) : undefined,
    cost: {
      memoryMb: int('AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 128) ?? int('MEDSLIM_INFER_MEMORY_MB', 128),
      architecture: arch,
      pricePerRequest: num('MEDSLIM_INFER_PRICE_PER_REQUEST'),
      pricePerGbSecond: num('MEDSLIM_INFER_PRICE_PER_GB_SECOND'),
    },
  });
}

/**
 * Everything `createInferApp` needs, from the environment: `configFromEnv` plus the model source and
 * key check from `connectFromEnv` (connect.ts).
 * @throws Error naming a malformed variable, or from `connectFromEnv`.
 */
export function fromEnv(env: NodeJS.ProcessEnv = process.env): { source: ModelSource; authenticate: Authenticate; config: InferConfig; corsOrigins: string[] | '*' } {
  // The deployed console calls from another origin; bearer keys (no cookies) make '*' a safe default.
  const cors = env.MEDSLIM_CORS_ORIGINS ?? '*';
  return { ...connectFromEnv(env), config: configFromEnv(env), corsOrigins: cors === '*' ? '*' : cors.split(',').map((o) => o.trim()).filter(Boolean) };
}
