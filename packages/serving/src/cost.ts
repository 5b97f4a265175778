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

import { LAMBDA_PRICE_PER_GB_SECOND, LAMBDA_PRICE_PER_REQUEST, type Architecture } from '@medslim/config';

/** The price table and the vCPUs per memory size are @medslim/config's (one source for serving, the inference config and the deploy). */
export { LAMBDA_PRICE_PER_GB_SECOND, LAMBDA_PRICE_PER_REQUEST, vcpusForMemory, type Architecture } from '@medslim/config';

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
