/**
 * AWS Lambda list prices (us-east-1, first pricing tier, 2025) and the vCPUs Lambda gives per memory size:
 * the one table, read by the inference config, the deploy (sst.config.ts) and @medslim/serving's cost model.
 */

/** A Lambda instruction set. */
export type Architecture = 'x86_64' | 'arm64';

/** USD per GB-second of duration, by architecture. */
export const LAMBDA_PRICE_PER_GB_SECOND: Readonly<Record<Architecture, number>> = { x86_64: 0.0000166667, arm64: 0.0000133334 };
/** USD per request ($0.20 per million). */
export const LAMBDA_PRICE_PER_REQUEST = 0.2e-6;

/**
 * vCPUs Lambda gives a function of `memoryMb`: proportional to memory, one vCPU per 1,769 MB, rounded to the
 * nearest whole vCPU, at least 1 and at most 6 (10,240 MB). Used as the default `intraOpNumThreads`.
 */
export function vcpusForMemory(memoryMb: number): number {
  return Math.min(6, Math.max(1, Math.round(memoryMb / 1769)));
}
