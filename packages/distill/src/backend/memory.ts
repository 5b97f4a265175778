/**
 * Memory model for training on the wasm backend.
 *
 * Measured for the reference MobileNetV2-style student: peak wasm heap ≈ 17 MB per image at 28×28 (batch 64),
 * ≈ 0.8 GB per image at 224×224 (micro-batch 2 grows the heap to 1.72 GB) — activation memory scales with the
 * input's pixels (H×W), not its channels. The wasm heap never shrinks once grown and wasm32 caps it at 4 GB
 * (allocations fail well before: 6 images at 224×224 abort). Training therefore runs in micro-batches of at
 * most `maxBatchForBackend` images (128 at 28×28, 24 at 64×64, 6 at 128×128, 2 at 224×224), accumulating
 * their gradients up to the requested batch (train.ts `microBatch`): any batch size trains, larger images
 * just take more passes.
 */

import { DistillError } from '../errors.ts';

/** Largest micro-batch on the wasm backend (28×28 images). */
export const maxWasmBatch = 128;

/** Pixels of one 28×28 image, the size the limits were measured at. */
export const referencePixels = 28 * 28;

/** Measured peak training memory per 28×28 image at batch 64 on wasm, in MB. */
export const wasmPeakMBPerImage = 17;

/**
 * The largest micro-batch (images per forward/backward pass) the given backend trains at for images of
 * `pixels` = H × W (Infinity when unlimited). Scales 128 images at 28×28 down with the pixel count.
 * @throws Error when `pixels` is not a positive number.
 */
export function maxBatchForBackend(backend: string, pixels: number = referencePixels): number {
  if (backend !== 'wasm') return Number.POSITIVE_INFINITY;
  if (!(pixels > 0) || !Number.isFinite(pixels)) throw new Error(`pixels must be a positive number, got ${pixels}`);
  return Math.max(1, Math.min(maxWasmBatch, Math.floor((maxWasmBatch * referencePixels) / pixels)));
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
