/**
 * Which code path each of medslim's wasm kernels (and gradient configs) took, counted per call.
 * A kernel with a fast path and a general one is correct only if both are; the gradient tests read
 * these counts to prove the case they build runs the path they mean (a fast path that silently
 * declined its case would otherwise leave the general path tested twice). The keys are a fixed set
 * (`<kernel>:<path>` named in the kernels' code), so the map is bounded.
 */
const counts = new Map<string, number>();

/** Records one call of `kernel` through `path` (e.g. `Conv2DBackpropFilter`, `im2col`). */
export function tookPath(kernel: string, path: string): void {
  const key = `${kernel}:${path}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Calls per `<kernel>:<path>` since the last reset. */
export function kernelPathCounts(): Record<string, number> {
  return Object.fromEntries(counts);
}

/** Forgets every count. */
export function resetKernelPathCounts(): void {
  counts.clear();
}
