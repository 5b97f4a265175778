/**
 * Memory model for training on the wasm backend.
 *
 * Peak wasm heap of one forward/backward pass of the reference MobileNetV2-style student grows with the input's
 * pixels (H×W), not its channels: measured (bench/_heap-style, one pass from a fresh heap, after the Identity /
 * fused-BatchNorm changes of issue 15) 358 MB for 64 images at 28×28 (5.6 MB per image), 718 MB for 2 images at
 * 224×224, 2,079 MB for 6 at 224×224 and 2,102 MB for 18 at 128×128 — ≈ 5.6 MB × (H·W / 784) per image. (Before
 * those changes: 17 MB per 28×28 image, 1.72 GB for 2 images at 224×224, 6 aborted.) The heap never shrinks once
 * grown, every training thread has its own, and wasm32 caps it at 4 GB, so each pass takes at most as many images
 * as fit in `wasmHeapBudgetMB`, capped at 128: 128 at 28×28, 34 at 64×64, 8 at 128×128, 2 at 224×224. The budget
 * is 1,000 MB, not the 1.75 GB a single pass from a fresh heap allows: a full `medslim distill` at 224×224 with
 * micro-batches of 4 (≈ 1.43 GB by the per-pass figure) ran out of wasm memory before its first epoch ended
 * (OUT_OF_MEMORY, exit 2), because a job's heap also holds what its earlier passes left fragmented. Gradients are accumulated up to the requested batch (train.ts `microBatch`): any batch
 * size trains, larger images just take more passes.
 */

import { DistillError } from '../errors.ts';

/** Largest micro-batch on the wasm backend (28×28 images). */
export const maxWasmBatch = 128;

/** Pixels of one 28×28 image, the size the limits were measured at. */
export const referencePixels = 28 * 28;

/** Measured peak training memory per 28×28 image on wasm, in MB (scales with H·W). */
export const wasmPeakMBPerImage = 5.6;

/** Wasm heap one training thread may grow to for a pass, in MB. */
export const wasmHeapBudgetMB = 1000;

/**
 * The largest micro-batch (images per forward/backward pass) the given backend trains at for images of
 * `pixels` = H × W (Infinity when unlimited): floor(budget / (5.6 MB × pixels / 784)), between 1 and 128.
 * @throws Error when `pixels` is not a positive number.
 */
export function maxBatchForBackend(backend: string, pixels: number = referencePixels): number {
  if (backend !== 'wasm') return Number.POSITIVE_INFINITY;
  if (!(pixels > 0) || !Number.isFinite(pixels)) throw new Error(`pixels must be a positive number, got ${pixels}`);
  const perImageMB = (wasmPeakMBPerImage * pixels) / referencePixels;
  return Math.max(1, Math.min(maxWasmBatch, Math.floor(wasmHeapBudgetMB / perImageMB)));
}

/**
 * Checks a training batch size for `backend` ('wasm', 'tfjs-node', 'tfjs-node-gpu', ...) at `pixels` = H × W
 * per image and returns the micro-batch training will use (≤ batchSize): batches above the wasm limit are
 * trained by gradient accumulation, never refused.
 * @throws DistillError BAD_CONFIG when batchSize is not a positive integer.
 */
export function checkBatchForBackend(backend: string, batchSize: number, pixels?: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new DistillError('BAD_CONFIG', `batch size must be a positive integer, got ${batchSize}`);
  return Math.min(batchSize, maxBatchForBackend(backend, pixels));
}
