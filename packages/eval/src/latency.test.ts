import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchmarkLatency } from './latency.ts';
import { writeModel } from '@medslim/onnx';
import { tinyGemm } from '@medslim/onnx/testing';
import { errorCode } from './test-utils.ts';

describe('benchmarkLatency', () => {
  it('reports ordered positive percentiles and throughput (model bytes)', async () => {
    const r = await benchmarkLatency(writeModel(tinyGemm()), {
      inputDims: [1, 1, 2, 2],
      intraOpNumThreads: 2,
      warmup: 3,
      iterations: 50,
      throughputBatch: 8,
      throughputIterations: 5,
    });
    expect(r.intraOpNumThreads).toBe(2);
    expect(r.batch1.iterations).toBe(50);
    expect(r.batch1.p50).toBeGreaterThan(0);
    expect(r.batch1.p50).toBeLessThanOrEqual(r.batch1.p95);
    expect(r.batch1.p95).toBeLessThanOrEqual(r.batch1.p99);
    expect(r.batch1.mean).toBeGreaterThan(0);
    expect(r.throughput).toMatchObject({ batch: 8, iterations: 5 });
    expect(r.throughput.imagesPerSecond).toBeGreaterThan(0);
    expect(Number.isFinite(r.throughput.imagesPerSecond)).toBe(true);
  });

  it('uses the documented defaults (model path)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medslim-eval-'));
    try {
      const path = join(dir, 'tiny.onnx');
      writeFileSync(path, writeModel(tinyGemm()));
      const r = await benchmarkLatency(path, { inputDims: [1, 1, 2, 2] });
      expect(r.intraOpNumThreads).toBe(1);
      expect(r.batch1.iterations).toBe(100);
      expect(r.throughput).toMatchObject({ batch: 64, iterations: 10 });
      expect(r.batch1.p50).toBeLessThanOrEqual(r.batch1.p99);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad dims, bad counts and unloadable models', async () => {
    const code = errorCode;
    expect(await code(benchmarkLatency(writeModel(tinyGemm()), { inputDims: [0, 1, 2, 2] }))).toBe('INVALID_ARGUMENT');
    expect(await code(benchmarkLatency(writeModel(tinyGemm()), { inputDims: [1, 1, 2, 2], iterations: 0 }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await code(benchmarkLatency(new Uint8Array([1, 2, 3]), { inputDims: [1, 1, 2, 2] }))).toBe('INFERENCE_FAILED');
    expect(await code(benchmarkLatency(writeModel(tinyGemm()), { inputDims: [1, 1, 3, 3] }))).toBe('INFERENCE_FAILED');
  });
});
