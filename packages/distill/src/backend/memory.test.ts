import { describe, expect, it } from 'vitest';
import { checkBatchForBackend, maxBatchForBackend, maxWasmBatch } from './index.ts';

describe('wasm memory guard', () => {
  it('allows up to 128 images of 28×28×3 on wasm', () => {
    expect(maxWasmBatch).toBe(128);
    expect(checkBatchForBackend('wasm', 64)).toBe(128);
    expect(checkBatchForBackend('wasm', 128)).toBe(128);
  });

  it('rejects larger batches with the measured numbers', () => {
    expect(() => checkBatchForBackend('wasm', 256)).toThrow(
      'batch 256 is too large for the wasm backend (peak ≈ 17 MB per image at batch 64, the wasm heap never shrinks); use ≤ 128',
    );
    expect(() => checkBatchForBackend('wasm', 129)).toThrow(/use ≤ 128/);
    // A DistillError with its code, so the CLI exits 2 (bad input) rather than 1.
    expect(() => checkBatchForBackend('wasm', 129)).toThrow(expect.objectContaining({ name: 'DistillError', code: 'BATCH_TOO_LARGE' }));
    expect(() => checkBatchForBackend('wasm', 0)).toThrow(expect.objectContaining({ name: 'DistillError', code: 'BAD_CONFIG' }));
  });

  it('scales the limit with the image size', () => {
    const bytes64 = 64 * 64 * 3 * 4;
    expect(maxBatchForBackend('wasm', bytes64)).toBe(24);
    expect(checkBatchForBackend('wasm', 24, bytes64)).toBe(24);
    expect(() => checkBatchForBackend('wasm', 32, bytes64)).toThrow(/batch 32 is too large for the wasm backend .*≈ 89 MB for 49152-byte images.*use ≤ 24/);
    expect(maxBatchForBackend('wasm', 28 * 28 * 4)).toBe(128); // smaller images never raise the cap
  });

  it('leaves native backends alone and validates its arguments', () => {
    expect(checkBatchForBackend('tfjs-node', 1024)).toBe(Number.POSITIVE_INFINITY);
    expect(checkBatchForBackend('tfjs-node-gpu', 4096)).toBe(Number.POSITIVE_INFINITY);
    expect(() => checkBatchForBackend('wasm', 0)).toThrow(/positive integer/);
    expect(() => checkBatchForBackend('wasm', 1.5)).toThrow(/positive integer/);
    expect(() => checkBatchForBackend('wasm', 8, 0)).toThrow(/imageBytes/);
  });
});
