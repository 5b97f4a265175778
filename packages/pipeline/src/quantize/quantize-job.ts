import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExplicitContract } from '@medslim/contracts';
import { sampleIndices } from '@medslim/data';
import { interfaceMetadata, modelFeeds } from '@medslim/intake';
import { getMetadata, setMetadata, summarize, writeModel } from '@medslim/onnx';
import { quantizeStatic, verifyIntegerKernels, type QuantizeConfig } from '@medslim/quantize';
import { JobError } from '../errors.ts';
import { environmentOf, evaluateTeacherAnd, reportHead, testBench, type MeasureOptions } from '../evaluate-stage.ts';
import { loadJobInputs } from '../job-inputs.ts';
import { renderInterfaceMarkdown, renderStagesMarkdown, toJson, type JobReport } from '../report.ts';
import { predictionChanges, type PredictionChange } from '../prediction-changes.ts';
import { measuredOn } from '../measured-on.ts';

export interface QuantizeJobOptions extends MeasureOptions {
  /** Teacher ONNX (path or bytes). */
  model: string | Uint8Array;
  /** MedMNIST-layout .npz path. */
  data: string;
  /** Output folder: model.int8.onnx, report.json, report.md. */
  outDir: string;
  /** Explicit interface fields (CLI flags / job spec `contract`); they win over the model's metadata and graph. */
  contract?: ExplicitContract;
  quantize?: Partial<QuantizeConfig>;
  /** Calibration images from the train split (default 512), chosen by a seeded sample. */
  calibrationSize?: number;
  /** Seed for the calibration sample and the bootstrap (default 0). */
  seed?: number;
}

export interface QuantizeJobResult {
  report: JobReport;
  modelPath: string;
  reportPath: string;
  markdownPath: string;
}

/**
 * The quantize job: static INT8 QDQ quantization of a teacher with calibration images from the train split,
 * then an honest before/after evaluation of both on the test split (metrics with 95 % CIs, latency), and
 * the integer-kernel check. Writes `model.int8.onnx`, `report.json` and `report.md` under `outDir`.
 * The teacher's interface is resolved by @medslim/intake (flags > metadata > graph > validation evidence) and
 * recorded in the report (`interface`, with the evidence table when evidence settled the contract).
 * @throws IntakeError (NO_CONTRACT, AMBIGUOUS_LAYOUT, AMBIGUOUS_OUTPUT, …: the message names the flag), OnnxError (not ONNX / truncated), DataError (bad npz, labels out of range), JobError (size or
 *   class mismatch, empty calibration split), QuantizeError — all before any file is written.
 */
export async function runQuantizeJob(opts: QuantizeJobOptions): Promise<QuantizeJobResult> {
  const { teacherBytes, teacherModel, ds, iface, k, labelNames } = await loadJobInputs(opts.model, opts.data, opts.contract, ['test'], true);
  const train = ds.splits.train;
  const test = ds.splits.test!;
  const calibrationSize = opts.calibrationSize ?? 512;
  if (!train || train.count === 0 || calibrationSize <= 0) {
    throw new JobError('EMPTY_CALIBRATION', `the calibration split is empty (train has ${train?.count ?? 0} images, calibration size ${calibrationSize}); static quantization needs train images to estimate activation ranges`);
  }
  const seed = opts.seed ?? 0;
  const progress = opts.onProgress ?? (() => {});

  // Calibration batches: a seeded sample of the train split, 32 images a run (or the model's fixed batch), fed
  // exactly as the model takes them (element type, layout, contract).
  const idx = sampleIndices(train.count, calibrationSize, seed);
  const batches = [...modelFeeds(iface, train.images, { indices: idx, batchSize: 32 })].map((f) => ({ data: f.data, dims: f.dims, type: f.type }));
  const q = await quantizeStatic(teacherBytes, batches, opts.quantize ?? {}, (p) => progress({ stage: 'int8', step: p.phase, done: p.done, total: p.total }));
  // The INT8 model takes the teacher's input as it is and carries the resolved interface, so serving and later jobs read it right.
  setMetadata(q.model, { ...getMetadata(q.model), ...interfaceMetadata({ contract: iface.contract, labels: labelNames, output: iface.output, contractSource: iface.sources.contract }) });
  const int8Bytes = writeModel(q.model);
  progress({ stage: 'int8', step: 'verify', done: 0, total: 1 });
  const kernels = await verifyIntegerKernels(int8Bytes);
  progress({ stage: 'int8', step: 'verify', done: 1, total: 1 });

  const bench = testBench(ds, k, labelNames, seed, opts);
  const { teacher, model: int8 } = await evaluateTeacherAnd(
    bench,
    { file: typeof opts.model === 'string' ? opts.model : 'teacher.onnx', model: teacherBytes, iface },
    { name: 'int8', file: 'model.int8.onnx', model: int8Bytes, what: 'the INT8 model' },
    progress,
  );

  const report: JobReport = {
    ...reportHead('quantize', ds, labelNames, iface, [teacher.stage, int8.stage]),
    quantization: {
      format: 'QDQ',
      calibrator: q.config.calibrator,
      ...(q.config.calibrator === 'percentile' ? { percentile: q.config.percentile } : {}),
      calibrationImages: q.calibrationImages,
      calibrationSplit: 'train',
      perChannel: q.config.perChannel,
      opset: q.opset,
      weights: `int8 symmetric ${q.config.perChannel ? 'per-channel' : 'per-tensor'}${q.config.reduceRange ? ', 7-bit range (reduce-range)' : ''}`,
      activations: `${q.config.activationType} ${q.config.activationSymmetric ? 'symmetric' : 'asymmetric'} per-tensor`,
      reduceRange: q.config.reduceRange,
      target: q.config.target,
      measuredOn: measuredOn(q.config.target),
      excluded: q.config.exclude,
      quantizedOps: q.quantizedOps,
      foldedActivations: q.foldedActivations,
      floatNodes: q.floatNodes,
      maxRelativeWeightError: q.maxRelativeWeightError,
      integerKernels: kernels.integerKernels,
      integerKernelCount: kernels.integerKernelCount,
      optimizedOps: kernels.opHistogram,
    },
    changes: predictionChanges(teacher.pred, int8.pred, test.labels, labelNames),
    environment: environmentOf(bench.intraOpNumThreads),
  };
  mkdirSync(opts.outDir, { recursive: true });
  const modelPath = join(opts.outDir, 'model.int8.onnx');
  const reportPath = join(opts.outDir, 'report.json');
  const markdownPath = join(opts.outDir, 'report.md');
  writeFileSync(modelPath, int8Bytes);
  writeFileSync(reportPath, toJson(report));
  writeFileSync(markdownPath, renderQuantizeMarkdown(report, summarize(teacherModel, teacherBytes.byteLength).parameterCount));
  return { report, modelPath, reportPath, markdownPath };
}

/** The report.md line on the teacher's opset: upgraded for per-channel, or why the weights are per-tensor. */
function opsetLine(o: { from: number; to: number; upgraded: boolean; changes: string[]; perTensorBecause?: string } | undefined): string[] {
  if (!o) return [];
  if (o.upgraded) return [`- Opset: the teacher's opset ${o.from} graph was upgraded to ${o.to} for per-channel weights (${o.changes.join('; ') || 'no node changed'}).`];
  if (o.perTensorBecause) return [`- Opset ${o.from}: weights are per-tensor — ${o.perTensorBecause}.`];
  return [];
}

/** report.md of the quantize job. */
export function renderQuantizeMarkdown(report: JobReport, teacherParams: number): string {
  const qz = report.quantization as Record<string, unknown>;
  const [t, q] = report.stages;
  const lines = [
    '# medslim quantize report',
    '',
    `Created ${report.createdAt} by medslim ${report.medslimVersion}. Dataset sha256 \`${report.dataset.sha256}\` — ` +
      Object.entries(report.dataset.splits).map(([k, v]) => `${k} ${v.count}`).join(', ') + '.',
    `Teacher: ${teacherParams.toLocaleString('en-US')} parameters. INT8 model: ${(q.bytes / t.bytes).toFixed(3)}× the teacher's bytes; ` +
      `test AUC ${t.test.auc.toFixed(4)} → ${q.test.auc.toFixed(4)} (${(q.test.auc - t.test.auc >= 0 ? '+' : '') + (q.test.auc - t.test.auc).toFixed(4)}), ` +
      `accuracy ${(t.test.accuracy * 100).toFixed(2)} % → ${(q.test.accuracy * 100).toFixed(2)} %, agreement with the teacher ${((q.test.agreement ?? NaN) * 100).toFixed(2)} %.`,
    '',
    renderStagesMarkdown(report),
    renderInterfaceMarkdown(report),
    '## Quantization',
    '',
    `- Format: QDQ; weights ${qz.weights}; activations ${qz.activations}; calibrator ${qz.calibrator}${qz.percentile ? ` (${qz.percentile})` : ''} on ${qz.calibrationImages} ${qz.calibrationSplit} images.`,
    ...opsetLine(qz.opset as { from: number; to: number; upgraded: boolean; changes: string[]; perTensorBecause?: string } | undefined),
    `- Quantized nodes: ${Object.entries(qz.quantizedOps as Record<string, number>).map(([k, v]) => `${k}×${v}`).join(', ')}; Relu/Clip folded into their producer: ${qz.foldedActivations}.`,
    `- Integer kernels ONNX Runtime runs (optimized graph at 'all'): ${qz.integerKernelCount} — ${Object.entries(qz.integerKernels as Record<string, number>).map(([k, v]) => `${k}×${v}`).join(', ') || 'none'}.`,
    `- Left in float: ${(qz.floatNodes as { name: string; opType: string; reason: string }[]).map((f) => `${f.name} (${f.opType}: ${f.reason})`).join('; ') || 'none'}.`,
    `- Largest weight rounding error: ${((qz.maxRelativeWeightError as number) * 100).toFixed(3)} % of that tensor's max |w|.`,
    `- Serving target ${qz.target}; ${(qz.measuredOn as { note: string }).note}.`,
    `- Latency: onnxruntime-node, intraOpNumThreads ${t.intraOpNumThreads}, batch 1 percentiles over 100 runs; throughput at batch ${t.throughputBatch}.`,
    '',
    '## Predictions that changed',
    '',
  ];
  const changes = (report.changes ?? []) as PredictionChange[];
  if (changes.length === 0) lines.push('None: the INT8 model gives the teacher\'s top-1 answer on every test image.', '');
  else {
    lines.push(`${changes.length} test image(s) changed prediction (fixed: teacher wrong → INT8 right; broken: teacher right → INT8 wrong):`, '');
    lines.push('| test index | true class | teacher | int8 | effect |', '|---|---|---|---|---|');
    for (const c of changes) lines.push(`| ${c.index} | ${c.trueLabel} | ${c.teacher} | ${c.compressed} | ${c.effect} |`);
    lines.push('');
  }
  return lines.join('\n');
}

