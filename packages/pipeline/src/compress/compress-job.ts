import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { datasetSummary, sampleIndices, toModelInput } from '@medslim/data';
import {
  checkBatchForBackend, disposeStudent, exportStudentOnnx, loadStudent, parameterCount, predictLogits, referenceStudent, saveStudent,
  selectTrainingBackend, trainStudent, withWidth, type StudentConfig, type StudentParams, type TrainData,
} from '@medslim/distill';
import { rocAucFromLogits } from '@medslim/eval';
import { readModel, readModelBytes } from '@medslim/onnx';
import { choosePruneRatios, maxParamReduction, pruneStudent, sensitivityAnalysis, type SensitivityTable } from '@medslim/prune';
import { quantizeStatic, verifyIntegerKernels } from '@medslim/quantize';
import { measuredOn } from '../measured-on.ts';
import { JobError } from '../errors.ts';
import { evaluateStage } from '../evaluate-stage.ts';
import { clinicalGate, type GateResult } from '../gate.ts';
import { modelInterface } from '../model-contract.ts';
import type { JobProgress } from '../job-progress.ts';
import { loadDataFor } from '../load-data.ts';
import { predictionChanges } from '../prediction-changes.ts';
import { toJson, type JobReport } from '../report.ts';
import { prepareTrainingData } from '../training-data.ts';
import { medslimVersion } from '../version.ts';
import { renderCompressMarkdown, writeCompressCharts } from './report-md.ts';
import { epochsForSteps, parseCompressSpec, type CompressSpecInput } from './spec.ts';
import { cachedStage } from './stage-cache.ts';

export interface CompressJobOptions {
  spec: CompressSpecInput;
  /** Job folder: every artifact, the stage cache and the report live here. */
  outDir: string;
  /** Where teacher logits are cached (default `<outDir>/cache/teacher-logits`). */
  cacheDir?: string;
  prefer?: 'node-gpu' | 'node' | 'wasm';
  intraOpNumThreads?: number;
  latencyIterations?: number;
  throughputIterations?: number;
  onProgress?: (p: JobProgress) => void;
  log?: (msg: string) => void;
  /** Checked between steps; return true to stop the job (throws JobError CANCELLED). */
  cancelled?: () => boolean;
}

export interface CompressJobResult {
  report: JobReport;
  reportPath: string;
  modelPath: string;
  /** Stages skipped because a finished run with the same inputs was recorded. */
  cachedStages: string[];
}

/** Validation AUC and accuracy of a student in tfjs (eval mode) — the metric sensitivity and selection use. */
function validationMetrics(config: StudentConfig, params: StudentParams, d: TrainData): { auc: number; accuracy: number } {
  const k = config.numClasses;
  const logits = predictLogits(config, params, d.val.x, d.val.n, d.height, d.width, d.channels);
  let correct = 0;
  for (let i = 0; i < d.val.n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[i * k + j] > logits[i * k + best]) best = j;
    if (best === d.val.y[i]) correct++;
  }
  return { auc: rocAucFromLogits(logits, d.val.y, k), accuracy: correct / d.val.n };
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * The compress job hospitals submit: distill → sensitivity analysis → prune → fine-tune → export → INT8 quantize
 * → evaluate every stage on the test split → clinical safety gate. Each stage's outputs are cached by the content
 * hash of its inputs and options under `<outDir>/stages/<name>`, so a re-run, or a job killed and started again,
 * skips finished stages (and a killed training stage continues from its last epoch checkpoint).
 * Writes student.onnx, pruned.onnx, model.int8.onnx, report.json, report.md and SVG charts to `outDir`.
 * @throws JobError BAD_SPEC (spec), TARGET_UNREACHABLE-style BAD_OPTION (pruning target), CLASS_MISMATCH,
 *   SIZE_MISMATCH, CANCELLED; DataError/OnnxError for malformed inputs — all but CANCELLED before any work.
 */
export async function runCompressJob(o: CompressJobOptions): Promise<CompressJobResult> {
  const { spec, stages } = parseCompressSpec(o.spec);
  const progress = o.onProgress ?? (() => {});
  const log = o.log ?? (() => {});
  const checkCancel = () => { if (o.cancelled?.()) throw new JobError('CANCELLED', 'the job was cancelled'); };

  // --- Validate everything before work starts.
  const teacherBytes = readModelBytes(spec.teacher);
  const iface = modelInterface(readModel(teacherBytes, spec.teacher));
  const ds = loadDataFor({ ...iface, numClasses: null }, spec.dataset);
  const k = iface.numClasses ?? ds.numClasses;
  if (iface.numClasses !== null && ds.numClasses !== iface.numClasses) {
    throw new JobError('CLASS_MISMATCH', `the teacher outputs ${iface.numClasses} classes but the dataset's labels have ${ds.numClasses} (0…${ds.numClasses - 1}); use the teacher trained on this dataset${ds.numClasses > iface.numClasses ? `, or fix labels outside [0, ${iface.numClasses})` : ''}`);
  }
  // Small train splits train for more epochs: at least the preset's number of optimizer steps.
  const trainCount = ds.splits.train?.count ?? 0;
  stages.distill.epochs = epochsForSteps(stages.distill.epochs, stages.distill.minSteps, trainCount, stages.distill.batchSize);
  if (stages.prune.fineTuneEpochs > 0) stages.prune.fineTuneEpochs = epochsForSteps(stages.prune.fineTuneEpochs, stages.prune.fineTuneMinSteps, trainCount, stages.distill.batchSize);
  const studentConfig = withWidth(referenceStudent(iface.channels, k, iface.height), stages.distill.width);
  const maxReduction = maxParamReduction(studentConfig, stages.prune.minChannels);
  if (stages.prune.targetParamsReduction > maxReduction) {
    throw new JobError('BAD_OPTION', `prune.targetParamsReduction ${stages.prune.targetParamsReduction} would leave blocks with no channels: keeping at least ${stages.prune.minChannels} hidden channels per block, this student allows at most ${maxReduction.toFixed(3)}; lower the target`);
  }
  const backend = await selectTrainingBackend({ prefer: o.prefer, log });
  checkBatchForBackend(backend.name, stages.distill.batchSize, iface.height * iface.width);
  mkdirSync(o.outDir, { recursive: true });
  const cacheDir = o.cacheDir ?? join(o.outDir, 'cache', 'teacher-logits');
  const teacherSha256 = sha(teacherBytes);
  const base = { teacherSha256, datasetSha256: ds.sha256, seed: spec.seed, contract: iface.contract };
  const cachedStages: string[] = [];
  const note = (name: string, r: { cached: boolean; seconds: number }) => {
    if (r.cached) cachedStages.push(name);
    log(`${name}: ${r.cached ? 'cached' : `done in ${r.seconds.toFixed(1)} s`}`);
  };

  let data: TrainData | null = null;
  const trainingData = async () => (data ??= await prepareTrainingData(iface, ds, teacherBytes, k, cacheDir, progress, true, stages.distill.teacherOnFlips));
  const trainBase = { temperature: stages.distill.temperature, alpha: stages.distill.alpha, batchSize: stages.distill.batchSize, seed: spec.seed, threads: stages.distill.threads, microBatch: stages.distill.microBatch };

  // --- 1. Distill.
  checkCancel();
  const distill = await cachedStage(o.outDir, 'distill', { ...base, student: studentConfig, distill: stages.distill }, async (dir) => {
    const r = await trainStudent(studentConfig, await trainingData(), { ...trainBase, epochs: stages.distill.epochs, lr: stages.distill.lr }, {
      checkpoint: join(dir, 'checkpoint.bin'), resume: true,
      onProgress: (p) => { checkCancel(); progress({ stage: 'distill', step: 'train', done: (p.epoch - 1) * p.steps + p.step, total: p.epochs * p.steps }); },
      onEpoch: (h) => log(`distill epoch ${h.epoch}: val AUC ${h.valAuc.toFixed(4)}`),
    });
    saveStudent(join(dir, 'student.bin'), studentConfig, r.params);
    const params = parameterCount(r.params);
    disposeStudent(r.params);
    return { params, bestEpoch: r.bestEpoch, bestValAuc: r.bestValAuc, history: r.history, imagesPerSecond: r.imagesPerSecond, seconds: r.seconds, backend: backend.name, threads: r.threads, microBatch: r.microBatch };
  });
  note('distill', distill);

  // --- 2. Sensitivity analysis.
  checkCancel();
  const sensitivity = await cachedStage(o.outDir, 'sensitivity', { distill: distill.hash, minChannels: stages.prune.minChannels }, async (dir) => {
    const s = loadStudent(join(o.outDir, 'stages', 'distill', 'student.bin'));
    const d = await trainingData();
    const table = await sensitivityAnalysis(s.config, s.params, (c, p) => validationMetrics(c, p, d), {
      minChannels: stages.prune.minChannels,
      onRow: (_r, done, total) => { checkCancel(); progress({ stage: 'sensitivity', step: 'prune each block alone', done, total }); },
    });
    disposeStudent(s.params);
    writeFileSync(join(dir, 'sensitivity.json'), JSON.stringify(table, null, 2));
    return table;
  });
  note('sensitivity', sensitivity);

  // --- 3. Prune and fine-tune.
  checkCancel();
  const prune = await cachedStage(o.outDir, 'prune', { sensitivity: sensitivity.hash, prune: stages.prune, trainBase }, async (dir) => {
    const s = loadStudent(join(o.outDir, 'stages', 'distill', 'student.bin'));
    const plan = choosePruneRatios(s.config, sensitivity.result as SensitivityTable, { kind: 'params', reduction: stages.prune.targetParamsReduction }, { minChannels: stages.prune.minChannels });
    const pruned = pruneStudent(s.config, s.params, plan.ratios, stages.prune.minChannels);
    disposeStudent(s.params);
    const d = await trainingData();
    const before = validationMetrics(pruned.config, pruned.params, d);
    let params = pruned.params;
    let fineTune: { bestEpoch: number; bestValAuc: number; history: unknown[]; seconds: number } | null = null;
    if (stages.prune.fineTuneEpochs > 0) {
      const r = await trainStudent(pruned.config, d, { ...trainBase, epochs: stages.prune.fineTuneEpochs, lr: stages.prune.fineTuneLr }, {
        init: pruned.params, checkpoint: join(dir, 'checkpoint.bin'), resume: true,
        onProgress: (p) => { checkCancel(); progress({ stage: 'prune', step: 'fine-tune', done: (p.epoch - 1) * p.steps + p.step, total: p.epochs * p.steps }); },
        onEpoch: (h) => log(`fine-tune epoch ${h.epoch}: val AUC ${h.valAuc.toFixed(4)}`),
      });
      params = r.params;
      fineTune = { bestEpoch: r.bestEpoch, bestValAuc: r.bestValAuc, history: r.history, seconds: r.seconds };
    }
    const after = validationMetrics(pruned.config, params, d);
    saveStudent(join(dir, 'pruned.bin'), pruned.config, params);
    const count = parameterCount(params);
    disposeStudent(params);
    return { plan, config: pruned.config, params: count, valBeforeFineTune: before, valAfterFineTune: after, fineTune };
  });
  note('prune', prune);

  // --- 4. Export both students to ONNX (the teacher's contract and lineage in metadata_props).
  const labelNames = iface.labels && iface.labels.length === k ? iface.labels : Array.from({ length: k }, (_, i) => String(i));
  const nchw = { ...iface.contract, layout: 'NCHW' as const };
  const exportOnnx = (file: string, stage: string) => {
    const s = loadStudent(join(o.outDir, 'stages', stage, file));
    const bytes = exportStudentOnnx(s.config, s.params, {
      metadata: {
        'medslim.preprocess': JSON.stringify(nchw),
        'medslim.labels': labelNames.join(','),
        'medslim.lineage': JSON.stringify({ teacherSha256, datasetSha256: ds.sha256, spec, medslimVersion }),
      },
    });
    disposeStudent(s.params);
    return bytes;
  };
  const studentBytes = exportOnnx('student.bin', 'distill');
  const prunedBytes = exportOnnx('pruned.bin', 'prune');
  writeFileSync(join(o.outDir, 'student.onnx'), studentBytes);
  writeFileSync(join(o.outDir, 'pruned.onnx'), prunedBytes);

  // --- 5. Quantize the pruned student.
  checkCancel();
  const quantize = await cachedStage(o.outDir, 'quantize', { pruned: sha(prunedBytes), quantize: stages.quantize, target: spec.target, seed: spec.seed }, async (dir) => {
    const train = ds.splits.train!;
    const idx = sampleIndices(train.count, stages.quantize.calibrationSize, spec.seed);
    const batches = [];
    for (let s = 0; s < idx.length; s += 32) batches.push(toModelInput(train.images, nchw, { channels: iface.channels, height: iface.height, width: iface.width, indices: idx.subarray(s, s + 32) }));
    const q = await quantizeStatic(prunedBytes, batches, { calibrator: stages.quantize.calibrator, perChannel: stages.quantize.perChannel, reduceRange: stages.quantize.reduceRange, target: spec.target },
      (p) => progress({ stage: 'quantize', step: p.phase, done: p.done, total: p.total }));
    writeFileSync(join(dir, 'model.int8.onnx'), q.bytes);
    const kernels = await verifyIntegerKernels(q.bytes);
    return {
      calibrator: q.config.calibrator, calibrationImages: q.calibrationImages, perChannel: q.config.perChannel, reduceRange: q.config.reduceRange, target: q.config.target,
      quantizedOps: q.quantizedOps, foldedActivations: q.foldedActivations, floatNodes: q.floatNodes,
      integerKernels: kernels.integerKernels, integerKernelCount: kernels.integerKernelCount,
    };
  });
  note('quantize', quantize);
  const int8Bytes = new Uint8Array(readFileSync(join(o.outDir, 'stages', 'quantize', 'model.int8.onnx')));
  copyFileSync(join(o.outDir, 'stages', 'quantize', 'model.int8.onnx'), join(o.outDir, 'model.int8.onnx'));

  // --- 6. Evaluate every stage on the test split, then the gate.
  checkCancel();
  const test = ds.splits.test!;
  const common = {
    test: toModelInput(test.images, nchw, { channels: iface.channels, height: iface.height, width: iface.width }),
    labels: test.labels, numClasses: k, labelNames, intraOpNumThreads: o.intraOpNumThreads ?? 1, seed: spec.seed,
    latencyIterations: o.latencyIterations, throughputIterations: o.throughputIterations,
  };
  const ev = (name: string, file: string, model: Uint8Array, ref?: Int32Array) =>
    evaluateStage({ ...common, name, file, model, referencePred: ref, onBatch: (d, t) => progress({ stage: 'evaluate', step: name, done: d, total: t }) });
  const teacher = await ev('teacher', spec.teacher, teacherBytes);
  const student = await ev('student', 'student.onnx', studentBytes, teacher.pred);
  const pruned = await ev('pruned', 'pruned.onnx', prunedBytes, teacher.pred);
  const int8 = await ev('int8', 'model.int8.onnx', int8Bytes, teacher.pred);
  const gate: GateResult = clinicalGate(teacher.logits, int8.logits, test.labels, k, labelNames, spec.budgets, { seed: spec.seed, decision: spec.gate.decision });

  const d = distill.result;
  const report: JobReport = {
    job: 'compress',
    medslimVersion,
    createdAt: new Date().toISOString(),
    spec,
    stagesConfig: stages,
    dataset: datasetSummary(ds) as JobReport['dataset'],
    labels: labelNames,
    stages: [teacher.stage, student.stage, pruned.stage, int8.stage],
    gate,
    sensitivity: sensitivity.result,
    pruning: { plan: prune.result.plan, studentConfig: prune.result.config, valBeforeFineTune: prune.result.valBeforeFineTune, valAfterFineTune: prune.result.valAfterFineTune, fineTune: prune.result.fineTune, paramsBefore: d.params, paramsAfter: prune.result.params, paramsReduction: 1 - prune.result.params / d.params },
    training: { backend: d.backend, epochs: stages.distill.epochs, bestEpoch: d.bestEpoch, bestValAuc: d.bestValAuc, imagesPerSecond: d.imagesPerSecond, seconds: d.seconds, history: d.history },
    // INT8 accuracy and latency depend on the CPU's integer kernels: say where they were measured.
    quantization: { ...quantize.result, measuredOn: measuredOn(spec.target) },
    changes: predictionChanges(teacher.pred, int8.pred, test.labels, labelNames),
    lineage: { teacherSha256, datasetSha256: ds.sha256, spec, medslimVersion },
    stageSeconds: { distill: distill.seconds, sensitivity: sensitivity.seconds, prune: prune.seconds, quantize: quantize.seconds },
    cachedStages,
    environment: { node: process.version, platform: `${process.platform}-${process.arch}`, intraOpNumThreads: common.intraOpNumThreads },
  };
  const charts = writeCompressCharts(o.outDir, report);
  const reportPath = join(o.outDir, 'report.json');
  writeFileSync(reportPath, toJson(report));
  writeFileSync(join(o.outDir, 'report.md'), renderCompressMarkdown(report, charts));
  return { report, reportPath, modelPath: join(o.outDir, 'model.int8.onnx'), cachedStages };
}
