import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExplicitContract } from '@medslim/contracts';
import { imageSize, interfaceMetadata, studentContract } from '@medslim/intake';
import {
  checkBatchForBackend, disposeStudent, exportStudentOnnx, parameterCount, referenceStudent, selectTrainingBackend,
  trainStudent, withWidth, type StudentConfig, type TrainConfig, type TrainData,
} from '@medslim/distill';
import { readModelBytes } from '@medslim/onnx';
import { createHash } from 'node:crypto';
import { epochsForSteps, REFERENCE_SCHEDULE } from '../compress/spec.ts';
import { JobError } from '../errors.ts';
import { environmentOf, evaluateTeacherAnd, reportHead, testBench, type MeasureOptions } from '../evaluate-stage.ts';
import { loadJobInputs } from '../job-inputs.ts';
import { renderInterfaceMarkdown, renderStagesMarkdown, toJson, type JobReport } from '../report.ts';
import { prepareTrainingData, withOnlineTeacher } from '../training-data.ts';
import { medslimVersion } from '../version.ts';

export interface DistillJobOptions extends MeasureOptions {
  teacher: string | Uint8Array;
  data: string;
  outDir: string;
  /** Explicit interface fields of the teacher (CLI flags / job spec `contract`). */
  contract?: ExplicitContract;
  /** Width multiplier of the reference student (default 1). */
  width?: number;
  /** A full student config instead of reference × width (pruning passes a thinner one). */
  student?: StudentConfig;
  train?: Partial<TrainConfig>;
  /**
   * Function matching (Beyer et al. 2022): the teacher runs online, in its own thread, on exactly the augmented
   * batches the student trains on (shifts, mixup, brightness/contrast), instead of logits cached on the train
   * images. Default false; implied by `train.mixup` > 0.
   */
  onlineTeacher?: boolean;
  /** Folder for cached teacher logits (default `.medslim/cache/teacher-logits`). */
  cacheDir?: string;
  /** Resume from `<outDir>/checkpoint.bin` when present. */
  resume?: boolean;
  prefer?: 'node-gpu' | 'node' | 'wasm';
  log?: (msg: string) => void;
}

export interface DistillJobResult {
  report: JobReport;
  studentPath: string;
  reportPath: string;
}

/**
 * The distill job: checks teacher and data fit, runs the teacher once over the train split (and its horizontal
 * flips; cached on disk), trains a MobileNetV2-family student with the KD loss on the best available tfjs
 * backend, exports it to ONNX with the teacher's input contract, and evaluates teacher and student on the test
 * split. Writes `student.onnx`, `report.json`, `report.md` (and `checkpoint.bin` during training) under `outDir`.
 * @throws JobError CLASS_MISMATCH (teacher outputs ≠ dataset classes), SIZE_MISMATCH, BAD_OPTION;
 *   DistillError BAD_CONFIG, NAN_LOSS, OUT_OF_MEMORY; DataError/OnnxError for malformed inputs — all before training
 *   except NAN_LOSS.
 */
export async function runDistillJob(o: DistillJobOptions): Promise<DistillJobResult> {
  const progress = o.onProgress ?? (() => {});
  const log = o.log ?? (() => {});
  const { teacherBytes, ds, iface, k, labelNames } = await loadJobInputs(o.teacher, o.data, o.contract, ['test']);
  const test = ds.splits.test!;
  const { height, width } = imageSize(iface, test.images);
  const channels = iface.input.channels;
  const batchSize = o.train?.batchSize ?? 64;
  // Default: the reference recipe's 10 epochs, more on a small train split (at least its minimum of optimizer steps).
  const epochs = o.train?.epochs ?? epochsForSteps(REFERENCE_SCHEDULE.epochs, REFERENCE_SCHEDULE.minSteps, ds.splits.train?.count ?? 0, batchSize);
  if (!Number.isInteger(epochs) || epochs < 1) throw new JobError('BAD_OPTION', `epochs must be an integer ≥ 1; got ${epochs}`);
  const alpha = o.train?.alpha ?? 0.1;
  const temperature = o.train?.temperature ?? 4;
  if (!(alpha >= 0 && alpha <= 1)) throw new JobError('BAD_OPTION', `alpha must be in [0, 1]; got ${alpha}`);
  if (!(temperature > 0)) throw new JobError('BAD_OPTION', `temperature must be > 0; got ${temperature}`);
  for (const key of ['threads', 'microBatch'] as const) {
    const v = o.train?.[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new JobError('BAD_OPTION', `${key} must be an integer ≥ 1; got ${v}`);
  }

  const backend = await selectTrainingBackend({ prefer: o.prefer, log });
  checkBatchForBackend(backend.name, batchSize, height * width);

  const config = o.student ?? withWidth(referenceStudent(channels, k, height), o.width ?? 1);
  if (config.inputChannels !== channels || config.numClasses !== k || config.resolution !== height) {
    throw new JobError('BAD_OPTION', `the student config takes ${config.inputChannels}×${config.resolution}² inputs to ${config.numClasses} classes but the teacher takes ${channels}×${height}² to ${k}`);
  }
  const nchw = studentContract(iface);
  const online = alpha < 1 && (o.onlineTeacher === true || (o.train?.mixup ?? 0) > 0);
  const data = await prepareTrainingData(iface, ds, teacherBytes, k, o.cacheDir ?? join('.medslim', 'cache', 'teacher-logits'), progress, alpha < 1 && !online, o.train?.flip === true);
  mkdirSync(o.outDir, { recursive: true });
  const trainCfg: Partial<TrainConfig> = { ...o.train, batchSize, epochs, alpha, temperature };
  const checkpoint = join(o.outDir, 'checkpoint.bin');
  if (o.resume) log(existsSync(checkpoint) ? `resuming from ${checkpoint}` : `resume: no checkpoint at ${checkpoint}; training from scratch`);
  const t0 = performance.now();
  const runTraining = (d: TrainData) => trainStudent(
    config,
    d,
    trainCfg,
    {
      checkpoint,
      resume: o.resume,
      onProgress: (p) => progress({ stage: 'student', step: `train epoch ${p.epoch}/${p.epochs}`, done: p.step, total: p.steps }),
      onEpoch: (h) => log(`epoch ${h.epoch}: loss ${h.loss.toFixed(4)}, val AUC ${h.valAuc.toFixed(4)}, val accuracy ${(h.valAccuracy * 100).toFixed(2)} %, ${h.seconds.toFixed(1)} s`),
    },
  );
  const result = online ? await withOnlineTeacher(iface, teacherBytes, data, runTraining) : await runTraining(data);
  const wallSeconds = (performance.now() - t0) / 1000;
  const teacherSha256 = createHash('sha256').update(teacherBytes).digest('hex');
  const studentParams = parameterCount(result.params);
  const studentBytes = exportStudentOnnx(config, result.params, {
    metadata: {
      ...interfaceMetadata({ contract: nchw, labels: labelNames, output: { name: 'logits', kind: 'logits' }, contractSource: iface.sources.contract }),
      'medslim.lineage': JSON.stringify({ teacherSha256, datasetSha256: ds.sha256, train: trainCfg, backend: backend.name, medslimVersion }),
    },
  });
  disposeStudent(result.params);
  const studentPath = join(o.outDir, 'student.onnx');
  writeFileSync(studentPath, studentBytes);

  const bench = testBench(ds, k, labelNames, o.train?.seed ?? 0, o);
  const evaluated = await evaluateTeacherAnd(
    bench,
    { file: typeof o.teacher === 'string' ? o.teacher : 'teacher.onnx', model: teacherBytes, iface },
    { name: 'student', file: 'student.onnx', model: studentBytes, what: 'the student' },
    progress,
  );
  const report: JobReport = {
    ...reportHead('distill', ds, labelNames, iface, [evaluated.teacher.stage, evaluated.model.stage]),
    training: {
      backend: backend.name,
      backendFallbacks: backend.reasons,
      epochs,
      bestEpoch: result.bestEpoch,
      bestValAuc: result.bestValAuc,
      imagesPerSecond: result.imagesPerSecond,
      threads: result.threads,
      microBatch: result.microBatch,
      seconds: result.seconds,
      wallSeconds,
      resumedFrom: result.resumedFrom,
      history: result.history,
      config: { ...trainCfg, onlineTeacher: online },
      student: config,
      studentParams,
      teacherParams: evaluated.teacher.stage.params,
      paramRatio: studentParams / evaluated.teacher.stage.params,
      teacherSha256,
    },
    environment: environmentOf(bench.intraOpNumThreads),
  };
  const reportPath = join(o.outDir, 'report.json');
  writeFileSync(reportPath, toJson(report));
  writeFileSync(join(o.outDir, 'report.md'), renderDistillMarkdown(report));
  return { report, studentPath, reportPath };
}

/** report.md of the distill job. */
export function renderDistillMarkdown(report: JobReport): string {
  const t = report.training as { backend: string; threads?: number; microBatch?: number; epochs: number; bestEpoch: number; imagesPerSecond: number; seconds: number; studentParams: number; teacherParams: number; history: { epoch: number; loss: number; valAuc: number; valAccuracy: number; seconds: number }[]; config: Partial<TrainConfig> };
  return [
    '# medslim distill report',
    '',
    `Created ${report.createdAt} by medslim ${report.medslimVersion}. Dataset sha256 \`${report.dataset.sha256}\`.`,
    `Student: ${t.studentParams.toLocaleString('en-US')} parameters (1/${(t.teacherParams / t.studentParams).toFixed(0)} of the teacher's ${t.teacherParams.toLocaleString('en-US')}). ` +
      `Trained on ${t.backend}${t.threads ? ` (${t.threads} thread${t.threads === 1 ? '' : 's'}, micro-batch ${t.microBatch})` : ''} for ${t.epochs} epochs (T = ${t.config.temperature}, α = ${t.config.alpha}) at ${t.imagesPerSecond.toFixed(1)} images/s, ${(t.seconds / 60).toFixed(1)} min; best epoch ${t.bestEpoch} by validation AUC.`,
    '',
    renderStagesMarkdown(report),
    renderInterfaceMarkdown(report),
    '## Training',
    '',
    '| epoch | loss | val AUC | val accuracy | seconds |',
    '|---|---|---|---|---|',
    ...t.history.map((h) => `| ${h.epoch} | ${h.loss.toFixed(4)} | ${h.valAuc.toFixed(4)} | ${(h.valAccuracy * 100).toFixed(2)} % | ${h.seconds.toFixed(1)} |`),
    '',
  ].join('\n');
}

