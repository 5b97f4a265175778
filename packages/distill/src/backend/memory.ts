/**
 * Memory guard for training on the wasm backend.
 *
 * Measured for the 92k-parameter MobileNetV2-style student on 28×28×3: peak
 * memory ≈ 17 MB per image at batch 64, and the wasm heap never shrinks once
 * grown (wasm32 also caps it at 4 GB). Batch 128 (≈ 2.2 GB peak) is the
 * largest batch allowed; larger images scale the limit down proportionally.
 */

import { DistillError } from '../errors.ts';

/** Largest training batch allowed on the wasm backend (28×28×3 float32 images). */
export const maxWasmBatch = 128;

/** Bytes of one 28×28×3 float32 image, the size the limits were measured at. */
export const referenceImageBytes = 28 * 28 * 3 * 4;

/** Measured peak training memory per image at batch 64 on wasm, in MB. */
export const wasmPeakMBPerImage = 17;

/** The largest batch the given backend can train at (Infinity when unlimited). */
export function maxBatchForBackend(backend: string, imageBytes: number = referenceImageBytes): number {
  if (backend !== 'wasm') return Number.POSITIVE_INFINITY;
  if (!(imageBytes > 0) || !Number.isFinite(imageBytes)) throw new Error(`imageBytes must be a positive number, got ${imageBytes}`);
  return Math.max(1, Math.min(maxWasmBatch, Math.floor((maxWasmBatch * referenceImageBytes) / imageBytes)));
}

/**
 * Throws when `batchSize` is too large for `backend` ('wasm', 'tfjs-node',
 * 'tfjs-node-gpu', ...). `imageBytes` (bytes of one input image, default
 * 28·28·3·4) scales the wasm limit for larger inputs. Returns the limit.
 * @throws DistillError BAD_CONFIG (not a positive integer), BATCH_TOO_LARGE (over the limit, naming it).
 */
export function checkBatchForBackend(backend: string, batchSize: number, imageBytes?: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new DistillError('BAD_CONFIG', `batch size must be a positive integer, got ${batchSize}`);
  const limit = maxBatchForBackend(backend, imageBytes);
  if (batchSize > limit) {
    const scaled = imageBytes != null && imageBytes !== referenceImageBytes;
    const perImageMB = scaled ? (wasmPeakMBPerImage * imageBytes) / referenceImageBytes : wasmPeakMBPerImage;
    throw new DistillError(
      'BATCH_TOO_LARGE',
      `batch ${batchSize} is too large for the wasm backend (peak ≈ ${wasmPeakMBPerImage} MB per image at batch 64` +
        (scaled ? ` for 28×28×3 inputs, ≈ ${perImageMB.toFixed(0)} MB for ${imageBytes}-byte images` : '') +
        `, the wasm heap never shrinks); use ≤ ${limit}`,
    );
  }
  return limit;
}
