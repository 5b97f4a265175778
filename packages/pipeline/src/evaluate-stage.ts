import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { argmax, benchmarkLatency, evaluateClassifier, runLogits } from '@medslim/eval';
import { readModel, summarize } from '@medslim/onnx';
import type { StageReport } from './report.ts';

export interface StageInput {
  name: string;
  file: string;
  /** The stage's ONNX model. */
  model: Uint8Array;
  /** Test images in the model's contract, NCHW float32 `[N, C, H, W]`. */
  test: { data: Float32Array; dims: readonly number[] };
  labels: Int32Array;
  numClasses: number;
  labelNames: string[];
  /** Teacher top-1 predictions `[N]` for agreement (omit for the teacher itself: agreement 1). */
  referencePred?: Int32Array;
  intraOpNumThreads: number;
  /** Bootstrap seed for the 95 % CIs. */
  seed: number;
  /** Latency iterations at batch 1 (default 100) and throughput batches (default 10). */
  latencyIterations?: number;
  throughputIterations?: number;
  onBatch?: (done: number, total: number) => void;
}

/**
 * Evaluates one stage: logits on the test split through onnxruntime-node ('all' optimization, the
 * kernels a deployment runs), metrics with seeded 95 % bootstrap CIs, and latency (batch-1 p50/p95/p99 ms,
 * batch-64 images/s) at the stated intraOpNumThreads.
 * Returns the report entry and the top-1 predictions `[N]` (the teacher's serve as reference for agreement).
 */
export async function evaluateStage(s: StageInput): Promise<{ stage: StageReport; pred: Int32Array; logits: Float32Array }> {
  const session = await ort.InferenceSession.create(s.model, { graphOptimizationLevel: 'all', intraOpNumThreads: s.intraOpNumThreads, interOpNumThreads: 1 });
  let logits: Float32Array;
  try {
    ({ logits } = await runLogits(session, s.test, { batchSize: 64, onBatch: s.onBatch }));
  } finally {
    await session.release();
  }
  const n = s.labels.length;
  const pred = argmax(logits, n, s.numClasses);
  const reference = s.referencePred ?? pred;
  const test = evaluateClassifier(logits, s.labels, s.numClasses, { referencePred: reference, labelNames: s.labelNames, bootstrap: { iterations: 1000, seed: s.seed } });
  const [, c, h, w] = s.test.dims;
  const latency = await benchmarkLatency(s.model, {
    inputDims: [1, c, h, w],
    intraOpNumThreads: s.intraOpNumThreads,
    iterations: s.latencyIterations ?? 100,
    throughputIterations: s.throughputIterations ?? 10,
  });
  const summary = summarize(readModel(s.model), s.model.byteLength);
  return {
    pred,
    logits,
    stage: {
      name: s.name,
      file: s.file,
      sha256: createHash('sha256').update(s.model).digest('hex'),
      bytes: s.model.byteLength,
      params: summary.parameterCount,
      test,
      latencyMs: { p50: latency.batch1.p50, p95: latency.batch1.p95, p99: latency.batch1.p99 },
      imagesPerSecond: latency.throughput.imagesPerSecond,
      throughputBatch: latency.throughput.batch,
      intraOpNumThreads: latency.intraOpNumThreads,
    },
  };
}
