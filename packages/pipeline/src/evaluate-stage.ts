import { createHash } from 'node:crypto';
import type { NdArray } from '@medslim/data';
import { argmax, benchmarkLatency, evaluateClassifier } from '@medslim/eval';
import { createSession, imageSize, scoreImages, type StaticInterface } from '@medslim/intake';
import { readModel, summarize } from '@medslim/onnx';
import type { StageReport } from './report.ts';

export interface StageInput {
  name: string;
  file: string;
  /** The stage's ONNX model. */
  model: Uint8Array;
  /** How to feed it and read its class scores (with its contract): the teacher's resolved interface, or a medslim model's own. */
  iface: StaticInterface;
  /** Test images `[N, H, W]` or `[N, H, W, C]`, pixels 0–255 (preprocessed per `iface`). */
  images: NdArray;
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
 * Evaluates one stage: class scores on the test split through onnxruntime-node ('all' optimization, the
 * kernels a deployment runs) read through the model's interface (its input type, layout and batch; its
 * class-score output, canonicalised so that probabilities are never softmaxed again), metrics with seeded
 * 95 % bootstrap CIs, and latency (p50/p95/p99 ms at batch 1 — or the model's fixed batch —, throughput at
 * batch 64 or the fixed batch) at the stated intraOpNumThreads.
 * Returns the report entry, the top-1 predictions `[N]` and the canonical logits `[N, K]`.
 */
export async function evaluateStage(s: StageInput): Promise<{ stage: StageReport; pred: Int32Array; logits: Float32Array }> {
  const session = await createSession(s.model, `the ${s.name} model`, { intraOpNumThreads: s.intraOpNumThreads, interOpNumThreads: 1 });
  let logits: Float32Array;
  try {
    ({ logits } = await scoreImages(session, s.iface, s.images, { batchSize: 64, onBatch: s.onBatch, what: `the ${s.name} model` }));
  } finally {
    await session.release();
  }
  const n = s.labels.length;
  const pred = argmax(logits, n, s.numClasses);
  const reference = s.referencePred ?? pred;
  const test = evaluateClassifier(logits, s.labels, s.numClasses, { referencePred: reference, labelNames: s.labelNames, bootstrap: { iterations: 1000, seed: s.seed } });
  const { height, width } = imageSize(s.iface, s.images);
  const c = s.iface.input.channels;
  const b = s.iface.input.batch ?? 1;
  const latency = await benchmarkLatency(s.model, {
    inputDims: s.iface.input.layout === 'NCHW' ? [b, c, height, width] : [b, height, width, c],
    inputType: s.iface.input.dtype,
    throughputBatch: s.iface.input.batch ?? 64,
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
