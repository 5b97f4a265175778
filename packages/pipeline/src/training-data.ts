import { toModelInput, type Dataset, type InputContract } from '@medslim/data';
import { teacherSignal, type TrainData } from '@medslim/distill';
import { JobError } from './errors.ts';
import type { ModelInterface } from './model-contract.ts';
import type { JobProgress } from './job-progress.ts';

/** Flips NCHW images horizontally (the teacher's view of flipped training images). */
export function flipNchw(x: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let p = 0; p < n * c * h; p++) {
    const row = p * w;
    for (let j = 0; j < w; j++) out[row + j] = x[row + w - 1 - j];
  }
  return out;
}

/** The contract's value for a black pixel, per channel: (0 · scale − mean_c) / std_c. */
export function blackValue(contract: InputContract, channels: number): number[] {
  return Array.from({ length: channels }, (_, c) => -(contract.mean[c] ?? contract.mean[0]) / (contract.std[c] ?? contract.std[0]));
}

/**
 * Everything a training stage needs from the dataset and the teacher: train/val images as NHWC float32 in the
 * teacher's contract, labels, and the teacher's logits on the train images and (`teacherOnFlips`) on their horizontal
 * flips (run once through onnxruntime-node, cached on disk under `cacheDir`).
 * @throws JobError BAD_OPTION when the train or val split is empty or holds one class only, CLASS_MISMATCH when the teacher's logits
 *   do not match the dataset's classes.
 */
export async function prepareTrainingData(iface: ModelInterface, ds: Dataset, teacher: Uint8Array, k: number, cacheDir: string, progress: (p: JobProgress) => void, withTeacher = true, teacherOnFlips = true): Promise<TrainData> {
  const train = ds.splits.train;
  const val = ds.splits.val;
  if (!train || train.count === 0) throw new JobError('BAD_OPTION', 'the dataset has no train images; distillation trains on the train split');
  if (!val || val.count === 0) throw new JobError('BAD_OPTION', 'the dataset has no val images; distillation picks the best epoch by validation AUC');
  for (const [name, split] of [['train', train], ['val', val]] as const) {
    const present = [...new Set(split.labels)].sort((a, b) => a - b);
    if (present.length < 2) {
      throw new JobError('BAD_OPTION', `the ${name} split has images of one class only (label ${present[0]}); distillation needs at least two classes in train and in val (validation AUC picks the best epoch) — check the ${name}_labels array`);
    }
  }
  const opts = { channels: iface.channels, height: iface.height, width: iface.width };
  const nchw = { ...iface.contract, layout: 'NCHW' as const };
  const nhwc = { ...iface.contract, layout: 'NHWC' as const };
  let teacherLogits: TrainData['teacher'] = null;
  if (withTeacher) {
    const trainNchw = toModelInput(train.images, nchw, opts);
    const signal = await teacherSignal({
      model: teacher,
      splits: {
        train: trainNchw,
        ...(teacherOnFlips ? { 'train-flipped': { data: flipNchw(trainNchw.data, train.count, iface.channels, iface.height, iface.width), dims: trainNchw.dims } } : {}),
      },
      datasetSha256: ds.sha256,
      contract: nchw,
      cacheDir,
      onBatch: (split, done, total) => progress({ stage: 'teacher', step: `logits ${split}`, done, total }),
    });
    if (signal.train.numClasses !== k) throw new JobError('CLASS_MISMATCH', `the teacher produced ${signal.train.numClasses} logits per image but the dataset has ${k} classes`);
    // Without the teacher's view of flipped images, flipped images are distilled toward the unflipped logits.
    teacherLogits = { logits: signal.train.logits, ...(signal['train-flipped'] ? { flipped: signal['train-flipped'].logits } : {}) };
  }
  return {
    train: { x: toModelInput(train.images, nhwc, opts).data, y: train.labels, n: train.count },
    val: { x: toModelInput(val.images, nhwc, opts).data, y: val.labels, n: val.count },
    teacher: teacherLogits,
    height: iface.height,
    width: iface.width,
    channels: iface.channels,
    fill: blackValue(iface.contract, iface.channels),
  };
}
