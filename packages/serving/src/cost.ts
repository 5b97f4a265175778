/**
 * What a prediction costs on AWS Lambda, in USD, from Lambda's price formula:
 *
 *   per request    = P_request + memoryGB × billedSeconds × P_GBs
 *   per prediction = per request / batch
 *
 * with memoryGB = memoryMb / 1024, billed duration rounded up to whole milliseconds (Lambda's
 * billing granularity is 1 ms, at least 1 ms), P_GBs by architecture and P_request per request.
 * Prices are list prices (us-east-1, first tier, 2025) and configurable. Not included: cold-start
 * init time, provisioned concurrency, data transfer, API Gateway / function URL charges.
 */

/** Lambda instruction set architectures. */
export type Architecture = 'x86_64' | 'arm64';

/** USD per GB-second of duration, by architecture (first pricing tier). */
export const LAMBDA_PRICE_PER_GB_SECOND: Readonly<Record<Architecture, number>> = { x86_64: 0.0000166667, arm64: 0.0000133334 };
/** USD per request ($0.20 per million). */
export const LAMBDA_PRICE_PER_REQUEST = 0.2e-6;

/** Inputs of {@link lambdaCost}. */
export interface LambdaCostInput {
  /** Function memory in MB (128 … 10,240). */
  memoryMb: number;
  architecture: Architecture;
  /** Duration of one invocation in ms; rounded up to a whole ms (at least 1). */
  billedMs: number;
  /** Predictions served by that invocation (default 1). */
  batch?: number;
  /** USD per request (default {@link LAMBDA_PRICE_PER_REQUEST}). */
  pricePerRequest?: number;
  /** USD per GB-second (default by architecture, {@link LAMBDA_PRICE_PER_GB_SECOND}). */
  pricePerGbSecond?: number;
}

/** Lambda's billed duration for a measured one: whole ms, rounded up, at least 1. */
export function billedMs(ms: number): number {
  return Math.max(1, Math.ceil(ms));
}

/**
 * USD per prediction for one invocation.
 * @example lambdaCost({ memoryMb: 512, architecture: 'x86_64', billedMs: 3, batch: 1 })
 *   // (0.2e-6 + 0.5 × 0.003 × 0.0000166667) = 2.2500005e-7
 * @throws RangeError when memory, duration or batch is not positive.
 */
export function lambdaCost(i: LambdaCostInput): number {
  const batch = i.batch ?? 1;
  if (!(i.memoryMb > 0) || !(i.billedMs >= 0) || !(batch >= 1)) {
    throw new RangeError(`lambdaCost needs memoryMb > 0, billedMs ≥ 0 and batch ≥ 1 (got ${i.memoryMb}, ${i.billedMs}, ${batch})`);
  }
  const perGbS = i.pricePerGbSecond ?? LAMBDA_PRICE_PER_GB_SECOND[i.architecture];
  const perReq = i.pricePerRequest ?? LAMBDA_PRICE_PER_REQUEST;
  return (perReq + (i.memoryMb / 1024) * (billedMs(i.billedMs) / 1000) * perGbS) / batch;
}

/**
 * vCPUs Lambda gives a function of `memoryMb`: proportional to memory, one vCPU per 1,769 MB,
 * rounded to the nearest whole vCPU, at least 1 and at most 6 (10,240 MB). Used as the default
 * `intraOpNumThreads`.
 */
export function vcpusForMemory(memoryMb: number): number {
  return Math.min(6, Math.max(1, Math.round(memoryMb / 1769)));
}
