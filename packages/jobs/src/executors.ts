/**
 * The job types a worker can run: one entry per type (quantize, compress). Adding a type (e.g. distill)
 * means one entry here and one in @medslim/contracts' JOB_TYPES (its options schema and presets).
 *
 * An executor gets local paths of the verified inputs and an empty output folder, reports
 * progress through `onProgress` (which throws to abort: cancel, lost lease, shutdown), and returns
 * the job's report; the worker registers the listed artifacts as the new version.
 * `@medslim/pipeline` is imported lazily so that loading this table stays cheap.
 */
import { describeIssues, QuantizeJobOptionsSchema, type JobReport, type QuantizeJobOptions } from '@medslim/contracts';
import type { ProgressEvent, ProgressPlan } from './progress.ts';

/** What an executor gets. */
export interface ExecutorContext {
  /** The teacher ONNX on local disk (SHA-256 already checked against the upload). */
  teacherPath: string;
  /** The dataset (.npz) on local disk (checked likewise). */
  datasetPath: string;
  /** Empty folder for the outputs. */
  outDir: string;
  /** Resolved options of the job (preset + request options, validated by the API). */
  options: Record<string, unknown>;
  /** Progress callback for the pipeline; throws to abort the job. */
  onProgress: (p: ProgressEvent) => void;
  /** Add a line to the job's log (never image or label values). */
  log: (line: string) => void;
  /** True once the job should stop (cancel, lost lease, shutdown); for pipelines that poll instead of relying on `onProgress` throwing. */
  cancelled: () => boolean;
}

/** The job's report.json: the registry records its stages and gate; the full report is stored as an artifact. */
export type ExecutorReport = JobReport;

/** What an executor resolves with. */
export interface ExecutorResult {
  report: ExecutorReport;
  /** medslim version of the code that produced it (lineage). */
  codeVersion: string;
  /** Files in `outDir` to register, when they vary per run (e.g. charts); default `JobExecutor.artifacts`. */
  artifacts?: string[];
}

/** One job type. */
export interface JobExecutor {
  /** Files the job writes into `outDir`; they become the version's artifacts, in this order. */
  readonly artifacts: readonly string[];
  /** The artifact holding the JSON report. */
  readonly reportFile: string;
  /** The steps it reports, for percent and ETA. */
  plan(options: Record<string, unknown>): ProgressPlan;
  /** Run the job; resolve with its report and the medslim version that produced it. */
  run(ctx: ExecutorContext): Promise<ExecutorResult>;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** A quantize job's options checked against their schema. @throws Error BAD_OPTIONS naming the field. */
function parseQuantizeOptions(options: Record<string, unknown>): QuantizeJobOptions {
  const r = QuantizeJobOptionsSchema.safeParse(options);
  if (!r.success) throw Object.assign(new Error(`invalid job options: ${describeIssues(r.error, 'options')}`), { code: 'BAD_OPTIONS' });
  return r.data;
}

/** Quantize: static INT8 QDQ with a before/after report (`runQuantizeJob`). */
const quantize: JobExecutor = {
  artifacts: ['model.int8.onnx', 'report.json', 'report.md'],
  reportFile: 'report.json',
  plan(o) {
    const histogram = o.calibrator === 'percentile' || o.calibrator === 'entropy';
    return [
      { stage: 'int8', step: 'optimize', weight: 2 },
      { stage: 'int8', step: 'calibrate-minmax', weight: 20 },
      ...(histogram ? [{ stage: 'int8', step: 'calibrate-histogram', weight: 15 }] : []),
      { stage: 'int8', step: 'rewrite', weight: 3 },
      { stage: 'int8', step: 'verify', weight: 5 },
      // Each evaluation is followed by a latency benchmark that reports no progress: its share is in the weight.
      { stage: 'teacher', step: 'evaluate', weight: 30 },
      { stage: 'int8', step: 'evaluate', weight: 30 },
    ];
  },
  async run(ctx) {
    const { runQuantizeJob, medslimVersion } = await import('@medslim/pipeline');
    const { readFile } = await import('node:fs/promises');
    // The API validated these against the same schema; parsing again types them (and refuses a hand-made job document).
    const { calibrationSize, seed, intraOpNumThreads, latencyIterations, throughputIterations, contract, ...settings } = parseQuantizeOptions(ctx.options);
    const r = await runQuantizeJob({
      // Bytes rather than the temporary path, so the report names the teacher 'teacher.onnx'.
      model: new Uint8Array(await readFile(ctx.teacherPath)),
      data: ctx.datasetPath,
      outDir: ctx.outDir,
      contract,
      calibrationSize,
      seed,
      intraOpNumThreads,
      latencyIterations,
      throughputIterations,
      quantize: settings,
      onProgress: ctx.onProgress,
    });
    return { report: r.report as unknown as ExecutorReport, codeVersion: medslimVersion };
  },
};

/**
 * Compress: distill → sensitivity → prune → fine-tune → quantize → evaluate → clinical safety gate
 * (`runCompressJob`). Options are the compress spec without teacher and dataset (preset, seed, distill, prune,
 * quantize, budgets); the stage cache lives in the job's output folder.
 */
const compress: JobExecutor = {
  artifacts: ['model.onnx', 'model.int8.onnx', 'pruned.onnx', 'student.onnx', 'student.int8.onnx', 'teacher.int8.onnx', 'report.json', 'report.md', 'size-vs-auc.svg', 'sensitivity.svg', 'per-class-sensitivity.svg', 'pareto.svg'],
  reportFile: 'report.json',
  plan() {
    return [
      { stage: 'teacher', step: 'logits train', weight: 4 },
      { stage: 'teacher', step: 'logits train-flipped', weight: 4 },
      { stage: 'distill', step: 'train', weight: 55 },
      { stage: 'sensitivity', step: 'prune each block alone', weight: 5 },
      { stage: 'prune', step: 'fine-tune', weight: 18 },
      { stage: 'quantize', step: 'calibrate-minmax', weight: 2 },
      { stage: 'quantize', step: 'rewrite', weight: 1 },
      { stage: 'evaluate', step: 'teacher', weight: 5 },
      { stage: 'evaluate', step: 'student', weight: 2 },
      { stage: 'evaluate', step: 'pruned', weight: 2 },
      { stage: 'evaluate', step: 'int8', weight: 2 },
    ];
  },
  async run(ctx) {
    const { runCompressJob, medslimVersion } = await import('@medslim/pipeline');
    // Latency settings belong to the evaluation, not to the compress spec (which refuses unknown fields).
    const { latencyIterations, throughputIterations, ...spec } = ctx.options;
    const o = { latencyIterations, throughputIterations };
    const r = await runCompressJob({
      spec: { ...spec, teacher: ctx.teacherPath, dataset: ctx.datasetPath } as Parameters<typeof runCompressJob>[0]['spec'],
      outDir: ctx.outDir,
      latencyIterations: num(o.latencyIterations),
      throughputIterations: num(o.throughputIterations),
      onProgress: ctx.onProgress,
      log: ctx.log,
      cancelled: ctx.cancelled,
    });
    return { report: r.report as unknown as ExecutorReport, codeVersion: medslimVersion };
  },
};

/** Every job type, by name. */
export const executors: Record<string, JobExecutor> = {
  quantize,
  compress,
};
