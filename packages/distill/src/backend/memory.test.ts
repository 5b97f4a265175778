import { describe, expect, it } from 'vitest';
import { checkBatchForBackend, maxBatchForBackend, maxWasmBatch } from './index.ts';

describe('wasm memory model', () => {
  it('trains up to 128 images of 28×28 per pass on wasm', () => {
    expect(maxWasmBatch).toBe(128);
    expect(maxBatchForBackend('wasm')).toBe(128);
    expect(checkBatchForBackend('wasm', 64)).toBe(64);
    expect(checkBatchForBackend('wasm', 128)).toBe(128);
  });

  it('accepts larger batches as micro-batches (gradient accumulation) instead of refusing them', () => {
    expect(checkBatchForBackend('wasm', 256)).toBe(128);
    expect(checkBatchForBackend('wasm', 64, 224 * 224)).toBe(2);
    // A DistillError with its code, so the CLI exits 2 (bad input) rather than 1.
    expect(() => checkBatchForBackend('wasm', 0)).toThrow(expect.objectContaining({ name: 'DistillError', code: 'BAD_CONFIG' }));
  });

  it('scales the micro-batch with the pixel count: 1,000 MB / (5.6 MB × H·W / 784) images', () => {
    expect(maxBatchForBackend('wasm', 64 * 64)).toBe(34); // floor(1000 / 29.26)
    expect(maxBatchForBackend('wasm', 128 * 128)).toBe(8); // floor(1000 / 117.0)
    expect(maxBatchForBackend('wasm', 224 * 224)).toBe(2); // floor(1000 / 358.4); measured: 2 images 718 MB per pass; 4 per pass ran out in a 10-epoch job
    expect(maxBatchForBackend('wasm', 16 * 16)).toBe(128); // smaller images never raise the cap
  });

  it('leaves native backends alone and validates its arguments', () => {
    expect(checkBatchForBackend('tfjs-node', 1024)).toBe(1024);
    expect(maxBatchForBackend('tfjs-node-gpu', 4096)).toBe(Number.POSITIVE_INFINITY);
    expect(() => checkBatchForBackend('wasm', 0)).toThrow(/positive integer/);
    expect(() => checkBatchForBackend('wasm', 1.5)).toThrow(/positive integer/);
    expect(() => checkBatchForBackend('wasm', 8, 0)).toThrow(/pixels/);
  });
});
