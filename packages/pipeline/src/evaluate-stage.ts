/**
 * Evaluating a job's stages on the test split, shared by the quantize, distill and compress jobs: one stage
 * (`evaluateStage`), the teacher and one model made from it (`evaluateTeacherAnd`), and the report fields every
 * job writes the same way (`reportHead`, `environmentOf`).
 */
import { createHash } from 'node:crypto';
import { datasetSummary, type Dataset, type NdArray } from '@medslim/data';
import { argmax, benchmarkLatency, evaluateClassifier } from '@medslim/eval';
import { createSession, imageSize, readModelInterface, scoreImages, type StaticInterface } from '@medslim/intake';
import { readModel, summarize } from '@medslim/onnx';
import type { JobProgress } from './job-progress.ts';
import type { JobReport, StageReport } from './report.ts';
import { medslimVersion } from './version.ts';

/** How a job measures its stages and reports progress (each job's options extend this). */
export interface MeasureOptions {
  /** intraOpNumThreads for evaluation and latency (default 1: one vCPU, as a small serverless function has). */
  intraOpNumThreads?: number;
  /** Latency iterations at batch 1 (default 100) and throughput batches (default 10). */
  latencyIterations?: number;
  throughputIterations?: number;
  onProgress?: (p: JobProgress) => void;
}

/** The test split and settings every stage of one job is evaluated with. */
export interface TestBench {
  /** Test images `[N, H, W]` or `[N, H, W, C]`, pixels 0–255 (preprocessed per each stage's interface). */
  images: NdArray;
  labels: Int32Array;
  numClasses: number;
  labelNames: string[];
  intraOpNumThreads: number;
  /** Bootstrap seed for the 95 % CIs. */
  seed: number;
  /** Latency iterations at batch 1 (default 100) and throughput batches (default 10). */
  latencyIterations?: number;
  throughputIterations?: number;
}

/** The test bench of a job over its dataset's test split (defaults of {@link MeasureOptions} filled in). */
export function testBench(ds: Dataset, numClasses: number, labelNames: string[], seed: number, o: MeasureOptions): TestBench {
  const test = ds.splits.test!;
  return {
    images: test.images, labels: test.labels, numClasses, labelNames, intraOpNumThreads: o.intraOpNumThreads ?? 1, seed,
    latencyIterations: o.latencyIterations, throughputIterations: o.throughputIterations,
  };
}

export interface StageInput extends TestBench {
  name: string;
  file: string;
  /** The stage's ONNX model. */
  model: Uint8Array;
  /** How to feed it and read its class scores (with its contract): the teacher's resolved interface, or a medslim model's own. */
  iface: StaticInterface;
  /** Teacher top-1 predictions `[N]` for agreement (omit for the teacher itself: agreement 1). */
  referencePred?: Int32Array;
  onBatch?: (done: number, total: number) => void;
}

/** What {@link evaluateStage} returns: the report entry, the top-1 predictions `[N]` and the canonical logits `[N, K]`. */
export interface EvaluatedStage {
  stage: StageReport;
  pred: Int32Array;
  logits: Float32Array;
}

/**
 * The teacher (read through its resolved interface `iface`) and one model made from it (a student or an INT8
 * copy, read through its own medslim metadata) on the test split; the model's agreement is measured against the
 * teacher's predictions. Progress: stage 'teacher', then stage `model.name`, step 'evaluate'.
 * @throws IntakeError when the model's metadata does not say how it is read.
 */
export async function evaluateTeacherAnd(
  bench: TestBench,
  teacher: { file: string; model: Uint8Array; iface: StaticInterface },
  model: { name: string; file: string; model: Uint8Array; what: string },
  progress: (p: JobProgress) => void,
): Promise<{ teacher: EvaluatedStage; model: EvaluatedStage }> {
  const onBatch = (stage: string) => (done: number, total: number) => progress({ stage, step: 'evaluate', done, total });
  const t = await evaluateStage({ ...bench, ...teacher, name: 'teacher', onBatch: onBatch('teacher') });
  const iface = readModelInterface(readModel(model.model, model.file), { what: model.what });
  const m = await evaluateStage({ ...bench, name: model.name, file: model.file, model: model.model, iface, referencePred: t.pred, onBatch: onBatch(model.name) });
  return { teacher: t, model: m };
}

/** The fields every job's report.json starts with: which job, medslim's version, when, the data, the teacher's interface, the stages. */
export function reportHead(job: JobReport['job'], ds: Dataset, labels: string[], iface: StaticInterface, stages: StageReport[]) {
  return {
    job,
    medslimVersion,
    createdAt: new Date().toISOString(),
    dataset: datasetSummary(ds) as JobReport['dataset'],
    labels,
    interface: iface,
    stages,
  };
}

/** The report's `environment`: where the stages were measured. */
export const environmentOf = (intraOpNumThreads: number) => ({ node: process.version, platform: `${process.platform}-${process.arch}`, intraOpNumThreads });

/**
 * Evaluates one stage: class scores on the test split through onnxruntime-node ('all' optimization, the
 * kernels a deployment runs) read through the model's interface (its input type, layout and batch; its
 * class-score output, canonicalised so that probabilities are never softmaxed again), metrics with seeded
 * 95 % bootstrap CIs, and latency (p50/p95/p99 ms at batch 1 — or the model's fixed batch —, throughput at
 * batch 64 or the fixed batch) at the stated intraOpNumThreads.
 * Returns the report entry, the top-1 predictions `[N]` and the canonical logits `[N, K]`.
 */
export async function evaluateStage(s: StageInput): Promise<EvaluatedStage> {
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
