/**
 * AWS Lambda list prices (us-east-1) and the vCPUs Lambda gives per memory size. The same
 * figures as @medslim/serving's cost.ts (a test keeps them equal); repeated here because this
 * package has no dependencies.
 */

/** A Lambda instruction set. */
export type Architecture = 'x86_64' | 'arm64';

/** USD per GB-second of duration, by architecture. */
export const LAMBDA_PRICE_PER_GB_SECOND: Readonly<Record<Architecture, number>> = { x86_64: 0.0000166667, arm64: 0.0000133334 };
/** USD per request ($0.20 per million). */
export const LAMBDA_PRICE_PER_REQUEST = 0.2e-6;

/** vCPUs of a function with `memoryMb`: one per 1,769 MB, rounded, at least 1, at most 6. */
export function vcpusForMemory(memoryMb: number): number {
  return Math.min(6, Math.max(1, Math.round(memoryMb / 1769)));
}
