/** The inference function's tuning (packages/infer, functions/infer): memory, threads, limits and prices. */
import { LAMBDA_PRICE_PER_GB_SECOND, LAMBDA_PRICE_PER_REQUEST, vcpusForMemory, type Architecture } from './prices.ts';
import { corsOrigins } from './cors.ts';
import { ConfigError } from './errors.ts';
import { readEnum, readInt, readNumber, readString, type Env } from './read.ts';

/** Everything the inference function can be tuned with; every field has a default. */
export interface InferenceConfig {
  /** Memory in MB: `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` (set by Lambda), else `MEDSLIM_INFER_MEMORY_MB`. Default 512. */
  memoryMb: number;
  /** `MEDSLIM_INFER_ARCHITECTURE` (x86_64 | arm64). Default: this process's (`arm64` → arm64, else x86_64). */
  architecture: Architecture;
  /** ORT intra-op threads per session, `MEDSLIM_INFER_INTRA_OP_THREADS`. Default: the vCPUs the memory buys (1 per 1,769 MB). */
  intraOpNumThreads: number;
  /** Most images per request, `MEDSLIM_INFER_MAX_BATCH`. Default 64. */
  maxBatch: number;
  /** Largest request body, `MEDSLIM_INFER_BODY_LIMIT_BYTES`. Default 6 MiB (Lambda's synchronous payload limit). */
  bodyLimitBytes: number;
  /** Budget of cached ORT sessions by ONNX bytes, `MEDSLIM_INFER_SESSION_BUDGET_BYTES`. Default 256 MiB. */
  sessionBudgetBytes: number;
  /**
   * Most `session.run` in flight per session, `MEDSLIM_INFER_MAX_CONCURRENT_RUNS`: an integer (0 = no
   * limit) or `auto` — what fits in 2 ms of model time per event-loop turn (serving's `SessionCache`).
   * Default `auto`.
   */
  maxConcurrentRuns: number | 'auto';
  /** How long a failed model load is remembered, ms, `MEDSLIM_INFER_FAILURE_TTL_MS`. Default 5,000. */
  failureTtlMs: number;
  /** Largest decoded image in pixels, `MEDSLIM_INFER_MAX_IMAGE_PIXELS`. Default 40,000,000. */
  maxImagePixels: number;
  /** USD per GB-second, `MEDSLIM_INFER_PRICE_PER_GB_SECOND`. Default: the list price of the architecture ($0.0000166667 x86_64, $0.0000133334 arm64). */
  pricePerGbSecond: number;
  /** USD per request, `MEDSLIM_INFER_PRICE_PER_REQUEST`. Default $0.0000002 ($0.20 per million). */
  pricePerRequest: number;
  /** Versions to load and warm up at a cold start, `MEDSLIM_INFER_PRELOAD` (`tenant/model@version,…`). Default none. */
  preload: PreloadTarget[];
  /** Browser origins allowed (CORS), `MEDSLIM_CORS_ORIGINS`. Default `*` (see `corsOrigins`). */
  corsOrigins: string[] | '*';
}

/** One version to load at start-up. */
export interface PreloadTarget {
  tenant: string;
  model: string;
  version: number;
}

/**
 * Parse `MEDSLIM_INFER_PRELOAD`: comma-separated `tenant/model@version`, e.g. `default/chest@3,default/chest@4`.
 * @throws ConfigError naming the variable and the malformed entry.
 */
export function parsePreload(raw: string): PreloadTarget[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const m = /^([^/\s]+)\/([^@\s]+)@([1-9][0-9]*)$/.exec(item);
      if (!m) throw new ConfigError('MEDSLIM_INFER_PRELOAD', `MEDSLIM_INFER_PRELOAD entries look like tenant/model@version (e.g. default/chest@3); got '${item}'`);
      return { tenant: m[1], model: m[2], version: Number(m[3]) };
    });
}

/** Facts about the host that defaults depend on (injectable for tests). */
export interface HostFacts {
  /** `process.arch`. */
  arch: string;
}

/** @throws ConfigError naming the variable when one is malformed. */
export function inferenceConfig(env: Env, host: HostFacts = { arch: process.arch }): InferenceConfig {
  const memoryMb =
    readInt(env, 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', { min: 128, max: 10240 }) ?? readInt(env, 'MEDSLIM_INFER_MEMORY_MB', { min: 128, max: 10240 }) ?? 512;
  const architecture = readEnum(env, 'MEDSLIM_INFER_ARCHITECTURE', ['x86_64', 'arm64'] as const) ?? (host.arch === 'arm64' ? 'arm64' : 'x86_64');
  return {
    memoryMb,
    architecture,
    intraOpNumThreads: readInt(env, 'MEDSLIM_INFER_INTRA_OP_THREADS', { min: 1, max: 64 }) ?? vcpusForMemory(memoryMb),
    maxBatch: readInt(env, 'MEDSLIM_INFER_MAX_BATCH', { min: 1 }) ?? 64,
    bodyLimitBytes: readInt(env, 'MEDSLIM_INFER_BODY_LIMIT_BYTES', { min: 1 }) ?? 6 * 1024 * 1024,
    sessionBudgetBytes: readInt(env, 'MEDSLIM_INFER_SESSION_BUDGET_BYTES', { min: 1 }) ?? 256 * 1024 * 1024,
    maxConcurrentRuns: readString(env, 'MEDSLIM_INFER_MAX_CONCURRENT_RUNS') === 'auto' ? 'auto' : (readInt(env, 'MEDSLIM_INFER_MAX_CONCURRENT_RUNS', { min: 0 }) ?? 'auto'),
    failureTtlMs: readInt(env, 'MEDSLIM_INFER_FAILURE_TTL_MS', { min: 0 }) ?? 5000,
    maxImagePixels: readInt(env, 'MEDSLIM_INFER_MAX_IMAGE_PIXELS', { min: 1 }) ?? 40_000_000,
    pricePerGbSecond: readNumber(env, 'MEDSLIM_INFER_PRICE_PER_GB_SECOND', { min: 0, unit: 'USD' }) ?? LAMBDA_PRICE_PER_GB_SECOND[architecture],
    pricePerRequest: readNumber(env, 'MEDSLIM_INFER_PRICE_PER_REQUEST', { min: 0, unit: 'USD' }) ?? LAMBDA_PRICE_PER_REQUEST,
    preload: parsePreload(readString(env, 'MEDSLIM_INFER_PRELOAD') ?? ''),
    corsOrigins: corsOrigins(env),
  };
}
