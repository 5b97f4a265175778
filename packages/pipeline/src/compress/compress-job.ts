import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { sampleIndices, toModelInput } from '@medslim/data';
import {
  checkBatchForBackend, disposeStudent, exportStudentOnnx, hiddenChannels, loadStudent, parameterCount, predictLogits, referenceStudent, saveStudent,
  selectTrainingBackend, trainStudent, validationMetrics, withWidth, type StudentConfig, type StudentParams, type TrainData,
} from '@medslim/distill';
import { argmax, fitDecisionOffsets, fitTemperature } from '@medslim/eval';
import { createSession, interfaceMetadata, modelFeeds, readModelInterface, scoreImages, studentContract, imageSize, type StaticInterface } from '@medslim/intake';
import { getMetadata, readModel, setMetadata, writeModel } from '@medslim/onnx';
import { choosePruneRatios, keptChannels, maxParamReduction, pruneStudent, sensitivityAnalysis, type PrunePlan, type SensitivityTable } from '@medslim/prune';
import { quantizeStatic, verifyIntegerKernels } from '@medslim/quantize';
import { measuredOn } from '../measured-on.ts';
import { JobError } from '../errors.ts';
import { environmentOf, evaluateStage, reportHead, testBench, type MeasureOptions } from '../evaluate-stage.ts';
import { clinicalGate, type GateResult } from '../gate.ts';
import { loadJobInputs } from '../job-inputs.ts';
import { predictionChanges } from '../prediction-changes.ts';
import { toJson, type JobReport } from '../report.ts';
import { prepareTrainingData, withOnlineTeacher } from '../training-data.ts';
import { medslimVersion } from '../version.ts';
import { renderCompressMarkdown, writeCompressCharts } from './report-md.ts';
import { epochsForSteps, parseCompressSpec, type CompressSpecInput } from './spec.ts';
import { chooseCandidate, failedChecks, mixedPrecisionFallback, paretoSvg, splitSummary, worstSensitivityDrop, type Candidate, type LayerSensitivity } from './search.ts';
import { cachedStage } from './stage-cache.ts';

export interface CompressJobOptions extends MeasureOptions {
  spec: CompressSpecInput;
  /** Job folder: every artifact, the stage cache and the report live here. */
  outDir: string;
  /** Where teacher logits are cached (default `<outDir>/cache/teacher-logits`). */
  cacheDir?: string;
  prefer?: 'node-gpu' | 'node' | 'wasm';
  log?: (msg: string) => void;
  /** Checked between steps; return true to stop the job (throws JobError CANCELLED). */
  cancelled?: () => boolean;
  /** Clock for the time budget, ms (default Date.now). */
  now?: () => number;
}

export interface CompressJobResult {
  report: JobReport;
  reportPath: string;
  /** The chosen model, `<outDir>/model.onnx` (a copy of the candidate's file). */
  modelPath: string;
  /** Name of the chosen candidate (see report.search). */
  chosen: string;
  /** Stages skipped because a finished run with the same inputs was recorded. */
  cachedStages: string[];
}


const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * The compress job hospitals submit: distill → sensitivity analysis → prune → fine-tune → export → INT8 quantize
 * → evaluate every stage on the test split → clinical safety gate. Pruning walks `prune.schedule` level by level
 * (each level pruned from the previous one's fine-tuned student, gated on validation, the path stopping at the
 * first level that fails); the search under the gate returns the smallest candidate that passes on validation. Each stage's outputs are cached by the content
 * hash of its inputs and options under `<outDir>/stages/<name>`, so a re-run, or a job killed and started again,
 * skips finished stages (and a killed training stage continues from its last epoch checkpoint).
 * Writes student.onnx, pruned.onnx (the level INT8 was made from; with several levels also pruned-<level>.onnx),
 * model.int8.onnx, model.onnx (the chosen candidate), report.json, report.md and SVG charts to `outDir`.
 * @throws JobError BAD_SPEC (spec), BAD_OPTION (a pruning level this student cannot reach), CLASS_MISMATCH,
 *   SIZE_MISMATCH, CANCELLED; DataError/OnnxError for malformed inputs — all but CANCELLED before any work.
 */
export async function runCompressJob(opts: CompressJobOptions): Promise<CompressJobResult> {
  const jobStarted = opts.now?.() ?? Date.now();
  const { spec, stages } = parseCompressSpec(opts.spec);
  const progress = opts.onProgress ?? (() => {});
  const log = opts.log ?? (() => {});
  const checkCancel = () => { if (opts.cancelled?.()) throw new JobError('CANCELLED', 'the job was cancelled'); };

  // --- Validate everything before work starts.
  // The teacher read through the one interface (flags > metadata > graph > validation evidence, or refused).
  const { teacherBytes, ds, iface, k, labelNames } = await loadJobInputs(spec.teacher, spec.dataset, spec.contract, ['test']);
  const { height, width } = imageSize(iface, ds.splits.test!.images);
  const channels = iface.input.channels;
  /** The students' contract: the teacher's float contract in NCHW, or x/255 for a raw-pixel (integer-input) teacher. */
  const nchw = studentContract(iface);
  // Small train splits train for more epochs: at least the preset's number of optimizer steps.
  const trainCount = ds.splits.train?.count ?? 0;
  stages.distill.epochs = epochsForSteps(stages.distill.epochs, stages.distill.minSteps, trainCount, stages.distill.batchSize);
  if (stages.prune.fineTuneEpochs > 0) stages.prune.fineTuneEpochs = epochsForSteps(stages.prune.fineTuneEpochs, stages.prune.fineTuneMinSteps, trainCount, stages.distill.batchSize);
  const studentConfig = withWidth(referenceStudent(channels, k, height), stages.distill.width);
  const maxReduction = maxParamReduction(studentConfig, stages.prune.minChannels);
  // The preset's pruning levels stop where this student can go; levels asked for explicitly are checked.
  if (stages.prune.fromPreset) stages.prune.schedule = stages.prune.schedule.filter((l, i) => i === 0 || l <= maxReduction);
  const tooFar = stages.prune.schedule.find((l) => l > maxReduction);
  if (tooFar !== undefined) {
    const field = stages.prune.schedule.length > 1 ? 'prune.schedule' : 'prune.targetParamsReduction';
    throw new JobError('BAD_OPTION', `${field} ${tooFar} would leave blocks with no channels: keeping at least ${stages.prune.minChannels} hidden channels per block, this student allows at most ${maxReduction.toFixed(3)}; lower the target`);
  }
  const backend = await selectTrainingBackend({ prefer: opts.prefer, log });
  checkBatchForBackend(backend.name, stages.distill.batchSize, height * width);
  mkdirSync(opts.outDir, { recursive: true });
  const cacheDir = opts.cacheDir ?? join(opts.outDir, 'cache', 'teacher-logits');
  const teacherSha256 = sha(teacherBytes);
  const base = { teacherSha256, datasetSha256: ds.sha256, seed: spec.seed, contract: iface.contract, output: iface.output.name, kind: iface.output.kind };
  const cachedStages: string[] = [];
  const note = (name: string, r: { cached: boolean; seconds: number }) => {
    if (r.cached) cachedStages.push(name);
    log(`${name}: ${r.cached ? 'cached' : `done in ${r.seconds.toFixed(1)} s`}`);
  };

  let data: TrainData | null = null;
  // Function matching (onlineTeacher, or mixup, which needs it): no cached logits; each training run gets the
  // teacher in its own thread on its augmented batches.
  const online = stages.distill.onlineTeacher || stages.distill.mixup > 0;
  const trainingData = async () => (data ??= await prepareTrainingData(iface, ds, teacherBytes, k, cacheDir, progress, !online, stages.distill.teacherOnFlips));
  const withTeacher = async <T>(fn: (d: TrainData) => Promise<T>): Promise<T> => (online ? withOnlineTeacher(iface, teacherBytes, await trainingData(), fn) : fn(await trainingData()));
  const trainBase = {
    temperature: stages.distill.temperature, alpha: stages.distill.alpha, softLoss: stages.distill.softLoss, ema: stages.distill.ema, batchSize: stages.distill.batchSize, seed: spec.seed, threads: stages.distill.threads, microBatch: stages.distill.microBatch,
    maxShift: stages.distill.maxShift, mixup: stages.distill.mixup, mixupFraction: stages.distill.mixupFraction, brightness: stages.distill.brightness, contrast: stages.distill.contrast,
  };

  // --- 1. Distill. (A wider student of the search, step 8b, trains the same way into its own stage.)
  const distillStage = (stage: string, config: StudentConfig) => cachedStage(opts.outDir, stage, { ...base, student: config, distill: stages.distill }, async (dir) => {
    const r = await withTeacher((d) => trainStudent(config, d, { ...trainBase, epochs: stages.distill.epochs, lr: stages.distill.lr }, {
      checkpoint: join(dir, 'checkpoint.bin'), resume: true,
      onProgress: (p) => { checkCancel(); progress({ stage, step: 'train', done: (p.epoch - 1) * p.steps + p.step, total: p.epochs * p.steps }); },
      onEpoch: (h) => log(`${stage} epoch ${h.epoch}: val AUC ${h.valAuc.toFixed(4)}`),
    }));
    saveStudent(join(dir, 'student.bin'), config, r.params);
    const params = parameterCount(r.params);
    disposeStudent(r.params);
    return { params, bestEpoch: r.bestEpoch, bestValAuc: r.bestValAuc, history: r.history, imagesPerSecond: r.imagesPerSecond, seconds: r.seconds, backend: backend.name, threads: r.threads, microBatch: r.microBatch };
  });
  checkCancel();
  const distill = await distillStage('distill', studentConfig);
  note('distill', distill);

  // --- 2. Sensitivity analysis.
  checkCancel();
  const sensitivity = await cachedStage(opts.outDir, 'sensitivity', { distill: distill.hash, minChannels: stages.prune.minChannels }, async (dir) => {
    const s = loadStudent(join(opts.outDir, 'stages', 'distill', 'student.bin'));
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

  // --- 4. Export both students to ONNX (the teacher's contract and lineage in metadata_props), calibrated on the
  // validation split: temperature scaling (Guo et al. 2017) and decision offsets that make the student predict each
  // class as often as the teacher does there (fitDecisionOffsets), both folded into the last layer.
  const threads = opts.intraOpNumThreads ?? 1;
  const val = ds.splits.val!;
  const scoresOn = async (model: Uint8Array, read: StaticInterface, images: typeof val.images) => {
    const session = await createSession(model, 'a candidate model', { intraOpNumThreads: threads, interOpNumThreads: 1 });
    try {
      return (await scoreImages(session, read, images, { batchSize: 64 })).logits;
    } finally {
      await session.release();
    }
  };
  const teacherVal = await scoresOn(teacherBytes, iface, val.images);
  const teacherValPred = argmax(teacherVal, val.count, k);
  const temperatures: Record<string, number> = {};
  const decisionOffsets: Record<string, { offsets: number[]; countsBefore: number[]; countsAfter: number[]; teacherCounts: number[] }> = {};
  const exportOnnx = async (file: string, stage: string, name: string) => {
    const s = loadStudent(join(opts.outDir, 'stages', stage, file));
    let temperature = 1;
    let logitOffsets: number[] | undefined;
    if (stages.distill.temperatureScaling || stages.distill.decisionCalibration) {
      const d = await trainingData();
      const logits = predictLogits(s.config, s.params, d.val.x, d.val.n, d.height, d.width, d.channels);
      if (stages.distill.temperatureScaling) temperature = fitTemperature(logits, d.val.y, k);
      if (stages.distill.decisionCalibration) {
        const r = fitDecisionOffsets(Float32Array.from(logits, (v) => v / temperature), teacherValPred, k);
        logitOffsets = r.offsets;
        decisionOffsets[name] = { offsets: r.offsets, countsBefore: r.countsBefore, countsAfter: r.countsAfter, teacherCounts: r.referenceCounts };
      }
    }
    temperatures[name] = temperature;
    const bytes = exportStudentOnnx(s.config, s.params, {
      temperature,
      logitOffsets,
      metadata: {
        ...interfaceMetadata({ contract: nchw, labels: labelNames, output: { name: 'logits', kind: 'logits' }, contractSource: iface.sources.contract }),
        'medslim.lineage': JSON.stringify({ teacherSha256, datasetSha256: ds.sha256, spec, medslimVersion }),
        'medslim.temperature': String(temperature),
        ...(logitOffsets ? { 'medslim.logit_offsets': JSON.stringify(logitOffsets) } : {}),
      },
    });
    disposeStudent(s.params);
    return bytes;
  };
  const studentBytes = await exportOnnx('student.bin', 'distill', 'student');
  writeFileSync(join(opts.outDir, 'student.onnx'), studentBytes);

  // How every candidate is gated on the validation split (the gate there chooses; the test split only confirms).
  const valStudent = toModelInput(val.images, nchw, { channels, height, width });
  /** How a candidate is read: the teacher's interface for the teacher and its INT8 copy, its own metadata for a student. */
  const ifaceOf = (model: Uint8Array, teacherContract: boolean, file: string): StaticInterface => (teacherContract ? iface : readModelInterface(readModel(model, file), { what: file }));
  const gateIterations = spec.gate.decision === 'ci' ? 1000 : 200;
  const valGate = (name: string, logits: Float32Array) => clinicalGate(teacherVal, logits, val.labels, k, labelNames, spec.budgets, { seed: spec.seed, decision: spec.gate.decision, split: 'val', candidate: name, iterations: gateIterations });
  interface Explored { name: string; kind: Candidate['kind']; file: string; width: number | null; model: Uint8Array; teacherContract: boolean; floatLayers?: string[]; valLogits?: Float32Array; gate?: GateResult }
  const onVal = async (e: Explored) => {
    progress({ stage: 'search', step: `validate ${e.name}`, done: 0, total: 1 });
    e.valLogits = await scoresOn(e.model, ifaceOf(e.model, e.teacherContract, e.file), val.images);
    e.gate = valGate(e.name, e.valLogits);
    log(`search: ${e.name} (${e.model.byteLength} bytes) gate on validation ${e.gate.passed ? 'passes' : `fails ${failedChecks(e.gate).join(', ')}`}`);
  };
  const outOfTime = () => spec.timeBudgetMinutes !== undefined && ((opts.now?.() ?? Date.now()) - jobStarted) / 60000 > spec.timeBudgetMinutes;
  const skipped: string[] = [];

  // --- 3. Prune and fine-tune, level by level (the iterative path; one level = the single-step path). Each level
  // prunes the previous level's fine-tuned student further, to the per-block channel counts the greedy choice on
  // the distilled student's sensitivity table gives for that level (the greedy path only adds ratios as the
  // target grows, so counts never rise), ranking channels on the current weights; then KD fine-tuning, the
  // calibrated export and the validation gate. The path stops at the first level that fails (still a candidate).
  checkCancel();
  const iterative = stages.prune.schedule.length > 1;
  const levelTag = (l: number) => String(Math.round(l * 1000) / 10);
  const { schedule: _schedule, fromPreset: _fromPreset, ...pruneOpts } = stages.prune;
  const table = sensitivity.result as SensitivityTable;
  interface LevelResult { level: number; plan: PrunePlan; config: StudentConfig; params: number; valBeforeFineTune: { auc: number; accuracy: number }; valAfterFineTune: { auc: number; accuracy: number }; fineTune: { bestEpoch: number; bestValAuc: number; history: unknown[]; seconds: number } | null }
  const levels: { name: string; stage: string; hash: string; seconds: number; cached: boolean; result: LevelResult; explored: Explored }[] = [];
  let stoppedAt: string | null = null;
  for (const level of stages.prune.schedule) {
    const prev = levels.at(-1);
    const name = iterative ? `pruned-${levelTag(level)}` : 'pruned';
    const stage = iterative ? `prune-${levelTag(level)}` : 'prune';
    if (prev && outOfTime()) { skipped.push(`${name}: time budget of ${spec.timeBudgetMinutes} min spent`); break; }
    checkCancel();
    log(`prune: level ${levelTag(level)} % of the student's parameters → training ${name}`);
    const r = await cachedStage(opts.outDir, stage, { from: prev?.hash ?? sensitivity.hash, level, prune: pruneOpts, trainBase }, async (dir): Promise<LevelResult> => {
      const s = loadStudent(prev ? join(opts.outDir, 'stages', prev.stage, 'pruned.bin') : join(opts.outDir, 'stages', 'distill', 'student.bin'));
      const plan = choosePruneRatios(studentConfig, table, level, { minChannels: stages.prune.minChannels });
      // Hidden channels each block keeps at this level, as ratios of the current (already thinner) student.
      const target = studentConfig.blocks.map((b, i) => (plan.ratios[i] > 0 ? keptChannels(hiddenChannels(b), plan.ratios[i], stages.prune.minChannels) : hiddenChannels(b)));
      const ratios = s.config.blocks.map((b, i) => (target[i] >= hiddenChannels(b) ? 0 : 1 - target[i] / hiddenChannels(b)));
      const pruned = pruneStudent(s.config, s.params, ratios, stages.prune.minChannels);
      disposeStudent(s.params);
      const got = pruned.config.blocks.map((b) => hiddenChannels(b));
      if (got.some((h, i) => h !== Math.min(target[i], hiddenChannels(s.config.blocks[i])))) throw new Error(`${name}: pruned hidden channels ${got.join(',')} differ from the plan's ${target.join(',')} (a bug)`);
      const d = await trainingData();
      const before = validationMetrics(pruned.config, pruned.params, d);
      let params = pruned.params;
      let fineTune: LevelResult['fineTune'] = null;
      if (stages.prune.fineTuneEpochs > 0) {
        const ft = await withTeacher((dt) => trainStudent(pruned.config, dt, { ...trainBase, epochs: stages.prune.fineTuneEpochs, lr: stages.prune.fineTuneLr }, {
          init: pruned.params, checkpoint: join(dir, 'checkpoint.bin'), resume: true,
          onProgress: (p) => { checkCancel(); progress({ stage: 'prune', step: iterative ? `fine-tune ${name}` : 'fine-tune', done: (p.epoch - 1) * p.steps + p.step, total: p.epochs * p.steps }); },
          onEpoch: (h) => log(`${name} fine-tune epoch ${h.epoch}: val AUC ${h.valAuc.toFixed(4)}`),
        }));
        params = ft.params;
        fineTune = { bestEpoch: ft.bestEpoch, bestValAuc: ft.bestValAuc, history: ft.history, seconds: ft.seconds };
      }
      const after = validationMetrics(pruned.config, params, d);
      saveStudent(join(dir, 'pruned.bin'), pruned.config, params);
      const count = parameterCount(params);
      disposeStudent(params);
      return { level, plan, config: pruned.config, params: count, valBeforeFineTune: before, valAfterFineTune: after, fineTune };
    });
    note(stage, r);
    const file = iterative ? `${name}.onnx` : 'pruned.onnx';
    const model = await exportOnnx('pruned.bin', stage, name);
    writeFileSync(join(opts.outDir, file), model);
    const e: Explored = { name, kind: 'pruned', file, width: studentConfig.width, model, teacherContract: false };
    await onVal(e);
    levels.push({ name, stage, hash: r.hash, seconds: r.seconds, cached: r.cached, result: r.result, explored: e });
    if (!e.gate!.passed) {
      stoppedAt = name;
      if (level !== stages.prune.schedule.at(-1)) log(`prune: ${name} fails the gate on validation; the path stops here`);
      break;
    }
  }
  // INT8 is made from the last level that passed on validation (the first level when none did).
  const quantized = levels.filter((l) => l.explored.gate!.passed).at(-1) ?? levels[0];
  const prunedBytes = quantized.explored.model;
  if (iterative) writeFileSync(join(opts.outDir, 'pruned.onnx'), prunedBytes);

  // --- 5. Quantize the pruned student.
  checkCancel();
  const quantize = await cachedStage(opts.outDir, 'quantize', { pruned: sha(prunedBytes), quantize: stages.quantize, target: spec.target, seed: spec.seed }, async (dir) => {
    const train = ds.splits.train!;
    const idx = sampleIndices(train.count, stages.quantize.calibrationSize, spec.seed);
    const batches = [];
    for (let s = 0; s < idx.length; s += 32) batches.push(toModelInput(train.images, nchw, { channels, height, width, indices: idx.subarray(s, s + 32) }));
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
  const int8Bytes = new Uint8Array(readFileSync(join(opts.outDir, 'stages', 'quantize', 'model.int8.onnx')));
  copyFileSync(join(opts.outDir, 'stages', 'quantize', 'model.int8.onnx'), join(opts.outDir, 'model.int8.onnx'));

  // --- 6. More INT8 candidates: the unpruned student, and the teacher itself (post-training quantization only,
  // always a candidate, so the job can always return a model that passes when a quantized teacher does).
  const train = ds.splits.train!;
  const calIdx = sampleIndices(train.count, stages.quantize.calibrationSize, spec.seed);
  /** Calibration batches for a student (its float NCHW contract) or for the teacher (fed as its interface says: type, layout, batch). */
  const calibration = (who: 'student' | 'teacher') => {
    if (who === 'teacher') return [...modelFeeds(iface, train.images, { indices: calIdx, batchSize: 32 })].map((f) => ({ data: f.data, dims: f.dims, type: f.type }));
    const batches = [];
    for (let s = 0; s < calIdx.length; s += 32) batches.push(toModelInput(train.images, nchw, { channels, height, width, indices: calIdx.subarray(s, s + 32) }));
    return batches;
  };
  const qopts = { calibrator: stages.quantize.calibrator, perChannel: stages.quantize.perChannel, reduceRange: stages.quantize.reduceRange, target: spec.target };
  const quantizeTo = async (name: string, file: string, model: Uint8Array, who: 'student' | 'teacher') => {
    checkCancel();
    const r = await cachedStage(opts.outDir, name, { model: sha(model), quantize: stages.quantize, target: spec.target, seed: spec.seed, ...(who === 'teacher' ? { read: { contract: iface.contract, input: iface.input, output: iface.output } } : {}) }, async (dir) => {
      const q = await quantizeStatic(model, calibration(who), qopts, (p) => progress({ stage: name, step: p.phase, done: p.done, total: p.total }));
      // The INT8 teacher takes the teacher's input as it is and carries its resolved interface (read right on its own).
      if (who === 'teacher') setMetadata(q.model, { ...getMetadata(q.model), ...interfaceMetadata({ contract: iface.contract, labels: labelNames, output: iface.output, contractSource: iface.sources.contract }) });
      writeFileSync(join(dir, file), who === 'teacher' ? writeModel(q.model) : q.bytes);
      return { bytes: q.bytes.byteLength };
    });
    note(name, r);
    const bytes = new Uint8Array(readFileSync(join(opts.outDir, 'stages', name, file)));
    writeFileSync(join(opts.outDir, file), bytes);
    return bytes;
  };
  const studentInt8Bytes = await quantizeTo('quantize-student', 'student.int8.onnx', studentBytes, 'student');
  const teacherInt8Bytes = await quantizeTo('quantize-teacher', 'teacher.int8.onnx', teacherBytes, 'teacher');

  // --- 7. Every candidate on the validation split: the gate there chooses (the test split only confirms). The
  // pruning levels were gated as they were made.
  checkCancel();
  const explored: Explored[] = [
    { name: 'student', kind: 'student', file: 'student.onnx', width: studentConfig.width, model: studentBytes, teacherContract: false },
    { name: 'student-int8', kind: 'int8', file: 'student.int8.onnx', width: studentConfig.width, model: studentInt8Bytes, teacherContract: false, floatLayers: [] },
    ...levels.map((l) => l.explored),
    { name: 'int8', kind: 'int8', file: 'model.int8.onnx', width: studentConfig.width, model: int8Bytes, teacherContract: false, floatLayers: [] },
    { name: 'teacher-int8', kind: 'teacher-int8', file: 'teacher.int8.onnx', width: null, model: teacherInt8Bytes, teacherContract: true, floatLayers: [] },
  ];
  for (const e of explored) if (!e.gate) await onVal(e);

  // --- 8. Mixed precision: an INT8 student that fails where its float parent passes keeps its most sensitive layers in float.
  const mixedPrecision: Record<string, { table: LayerSensitivity[]; keptFloat: string[]; passed: boolean; steps: { floatLayers: number; failed: string[] }[] }> = {};
  for (const [q, parent] of [['int8', quantized.name], ['student-int8', 'student']] as const) {
    const qe = explored.find((e) => e.name === q)!, pe = explored.find((e) => e.name === parent)!;
    if (qe.gate!.passed || !pe.gate!.passed || !spec.search.mixedPrecision) continue;
    if (outOfTime()) { skipped.push(`${q}-mixed: time budget of ${spec.timeBudgetMinutes} min spent`); continue; }
    checkCancel();
    const name = `${q}-mixed`;
    const file = `${q === 'int8' ? 'model' : 'student'}.mixed.onnx`;
    const r = await cachedStage(opts.outDir, name, { model: sha(pe.model), quantize: stages.quantize, target: spec.target, seed: spec.seed, budgets: spec.budgets, gate: spec.gate }, async (dir) => {
      const m = await mixedPrecisionFallback(pe.model, calibration('student'), qopts, valStudent, k, (l) => valGate(name, l), {
        cancelled: checkCancel,
        onStep: (done, total) => progress({ stage: 'search', step: `INT8 sensitivity of ${parent}'s layers`, done, total }),
      });
      if (m.bytes) writeFileSync(join(dir, file), m.bytes);
      return { table: m.table, keptFloat: m.keptFloat, passed: m.passed, steps: m.steps };
    });
    note(name, r);
    mixedPrecision[name] = r.result;
    if (r.result.keptFloat.length === 0) continue;
    const model = new Uint8Array(readFileSync(join(opts.outDir, 'stages', name, file)));
    writeFileSync(join(opts.outDir, file), model);
    const e: Explored = { name, kind: 'int8', file, width: studentConfig.width, model, teacherContract: false, floatLayers: r.result.keptFloat };
    await onVal(e);
    explored.push(e);
  }

  // --- 8b. Capacity: while no student-derived candidate passes the gate on validation, train wider students
  // (stages.search.widths, in order; same recipe, same calibration) and try each as float and as INT8.
  const studentPasses = () => explored.some((e) => e.kind !== 'teacher-int8' && e.gate!.passed);
  const wider: Record<string, { width: number; params: number; bestEpoch: number; bestValAuc: number; seconds: number }> = {};
  for (const w of stages.search.widths) {
    if (studentPasses()) break;
    const name = `student-w${w}`;
    if (w === studentConfig.width || explored.some((e) => e.name === name)) continue;
    if (outOfTime()) { skipped.push(`${name}: time budget of ${spec.timeBudgetMinutes} min spent`); continue; }
    checkCancel();
    const config = withWidth(referenceStudent(channels, k, height), w);
    const stage = `distill-w${w}`;
    const r = await distillStage(stage, config);
    note(stage, r);
    wider[name] = { width: w, params: r.result.params, bestEpoch: r.result.bestEpoch, bestValAuc: r.result.bestValAuc, seconds: r.seconds };
    const bytes = await exportOnnx('student.bin', stage, name);
    writeFileSync(join(opts.outDir, `${name}.onnx`), bytes);
    const int8 = await quantizeTo(`quantize-${name}`, `${name}.int8.onnx`, bytes, 'student');
    for (const e of [
      { name, kind: 'student', file: `${name}.onnx`, width: w, model: bytes, teacherContract: false },
      { name: `${name}-int8`, kind: 'int8', file: `${name}.int8.onnx`, width: w, model: int8, teacherContract: false, floatLayers: [] },
    ] as Explored[]) {
      await onVal(e);
      explored.push(e);
    }
  }

  // --- 9. Every candidate on the test split (metrics, latency, gate) — reported, never used to choose.
  checkCancel();
  const test = ds.splits.test!;
  const bench = testBench(ds, k, labelNames, spec.seed, opts);
  const ev = (name: string, file: string, model: Uint8Array, teacherContract: boolean, ref?: Int32Array) =>
    evaluateStage({ ...bench, iface: ifaceOf(model, teacherContract, file), name, file, model, referencePred: ref, onBatch: (d, t) => progress({ stage: 'evaluate', step: name, done: d, total: t }) });
  const teacher = await ev('teacher', spec.teacher, teacherBytes, true);
  const evaluated = [];
  for (const e of explored) evaluated.push({ e, r: await ev(e.name, e.file, e.model, e.teacherContract, teacher.pred) });
  const candidates: Candidate[] = evaluated.map(({ e, r }) => {
    const testGate = clinicalGate(teacher.logits, r.logits, test.labels, k, labelNames, spec.budgets, { seed: spec.seed, decision: spec.gate.decision, candidate: e.name, iterations: gateIterations });
    const constraintsFailed = [
      ...(spec.maxBytes !== undefined && r.stage.bytes > spec.maxBytes ? [`maxBytes ${spec.maxBytes}`] : []),
      ...(spec.maxLatencyMs !== undefined && r.stage.latencyMs.p50 > spec.maxLatencyMs ? [`maxLatencyMs ${spec.maxLatencyMs}`] : []),
    ];
    return {
      name: e.name, kind: e.kind, file: e.file, width: e.width, resolution: height, params: r.stage.params, bytes: r.stage.bytes, latencyMs: r.stage.latencyMs.p50,
      ...(e.floatLayers ? { floatLayers: e.floatLayers } : {}),
      val: splitSummary(e.valLogits!, val.labels, k, teacherValPred, labelNames),
      gateVal: { passed: e.gate!.passed, failed: failedChecks(e.gate!) },
      test: splitSummary(r.logits, test.labels, k, teacher.pred, labelNames),
      gateTest: { passed: testGate.passed, failed: failedChecks(testGate) },
      constraintsFailed,
      worstSensitivityDrop: worstSensitivityDrop(e.gate!),
    };
  });
  const choice = chooseCandidate(candidates, teacherBytes.byteLength);
  const chosen = evaluated.find(({ e }) => e.name === choice.chosen)!;
  log(`search: chose ${choice.chosen} — ${choice.reason}`);
  // The top-level gate: the chosen model on the test split, with the full 1000 resamples.
  const gate: GateResult = clinicalGate(teacher.logits, chosen.r.logits, test.labels, k, labelNames, spec.budgets, { seed: spec.seed, decision: spec.gate.decision, candidate: choice.chosen });
  writeFileSync(join(opts.outDir, 'model.onnx'), chosen.e.model);

  const d = distill.result;
  const pr = quantized.result;
  const report: JobReport = {
    ...reportHead('compress', ds, labelNames, iface, [teacher.stage, ...evaluated.map(({ r }) => r.stage)]),
    spec,
    stagesConfig: stages,
    gate,
    search: { candidates, chosen: choice.chosen, reason: choice.reason, bestEffort: choice.bestEffort, closestStudent: choice.closestStudent, mixedPrecision, wider, skipped, selection: 'smallest bytes (then p50 latency) whose gate passes on the validation split within maxBytes/maxLatencyMs; the test split only confirms' },
    sensitivity: sensitivity.result,
    // The level the INT8 candidate was made from (plan, figures), then every level of the path in order.
    pruning: {
      plan: pr.plan, studentConfig: pr.config, valBeforeFineTune: pr.valBeforeFineTune, valAfterFineTune: pr.valAfterFineTune, fineTune: pr.fineTune, paramsBefore: d.params, paramsAfter: pr.params, paramsReduction: 1 - pr.params / d.params,
      schedule: stages.prune.schedule, quantizedLevel: quantized.name, stoppedAt,
      levels: levels.map((l) => ({
        name: l.name, level: l.result.level, ratios: l.result.plan.ratios, params: l.result.params, paramsReduction: 1 - l.result.params / d.params,
        valBeforeFineTune: l.result.valBeforeFineTune, valAfterFineTune: l.result.valAfterFineTune, fineTuneSeconds: l.result.fineTune?.seconds ?? 0, cached: l.cached,
        gateVal: { passed: l.explored.gate!.passed, failed: failedChecks(l.explored.gate!) },
      })),
    },
    // Softmax temperature fitted on validation and folded into each exported student's last layer (1 = off).
    temperatureScaling: { split: 'val', temperatures },
    // Per-class logit offsets fitted on validation so each student predicts every class as often as the teacher
    // does there (folded into the bias). The validation gate is measured on the split they were fitted on: the
    // test split's gate is the independent confirmation.
    decisionCalibration: { split: 'val', reference: 'teacher top-1', students: decisionOffsets },
    training: { backend: d.backend, epochs: stages.distill.epochs, bestEpoch: d.bestEpoch, bestValAuc: d.bestValAuc, imagesPerSecond: d.imagesPerSecond, seconds: d.seconds, history: d.history },
    // INT8 accuracy and latency depend on the CPU's integer kernels: say where they were measured.
    quantization: { ...quantize.result, measuredOn: measuredOn(spec.target) },
    changes: predictionChanges(teacher.pred, chosen.r.pred, test.labels, labelNames),
    lineage: { teacherSha256, datasetSha256: ds.sha256, spec, medslimVersion },
    stageSeconds: { distill: distill.seconds, sensitivity: sensitivity.seconds, prune: levels.reduce((a, l) => a + l.seconds, 0), quantize: quantize.seconds },
    cachedStages,
    environment: environmentOf(threads),
  };
  const charts = writeCompressCharts(opts.outDir, report);
  writeFileSync(join(opts.outDir, charts.pareto), paretoSvg(candidates, choice.chosen));
  const reportPath = join(opts.outDir, 'report.json');
  writeFileSync(reportPath, toJson(report));
  writeFileSync(join(opts.outDir, 'report.md'), renderCompressMarkdown(report, charts));
  return { report, reportPath, modelPath: join(opts.outDir, 'model.onnx'), chosen: choice.chosen, cachedStages };
}
