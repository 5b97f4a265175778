import { ndarray, toModelInput, type Dataset, type InputContract, type NdArray } from '@medslim/data';
import { createOnlineTeacher, teacherSignal, type TrainData } from '@medslim/distill';
import { createSession, imageSize, scoreImages, studentContract } from '@medslim/intake';
import { JobError } from './errors.ts';
import type { ModelInterface } from './job-inputs.ts';
import type { JobProgress } from './job-progress.ts';

/** Stored images `[N, H, W]` or `[N, H, W, C]` flipped horizontally (same dtype and shape). */
export function flipImages(images: NdArray): NdArray {
  const [n, h, w] = images.shape;
  const c = images.shape.length === 4 ? images.shape[3] : 1;
  const src = images.data as Uint8Array | Float32Array;
  const out = new (src.constructor as Uint8ArrayConstructor | Float32ArrayConstructor)(src.length);
  for (let r = 0; r < n * h; r++) {
    const row = r * w * c;
    for (let j = 0; j < w; j++) for (let ch = 0; ch < c; ch++) out[row + j * c + ch] = src[row + (w - 1 - j) * c + ch];
  }
  return ndarray(images.dtype as 'uint8', [...images.shape], out as Uint8Array) as NdArray;
}

/** The contract's value for a black pixel, per channel: (0 · scale − mean_c) / std_c. */
export function blackValue(contract: InputContract, channels: number): number[] {
  return Array.from({ length: channels }, (_, c) => -(contract.mean[c] ?? contract.mean[0]) / (contract.std[c] ?? contract.std[0]));
}

/**
 * Everything a training stage needs from the dataset and the teacher: train/val images as NHWC float32 in the
 * student's contract (`studentContract`: the teacher's float contract, or x/255 for a raw-pixel teacher), labels,
 * and the teacher's logits-equivalent class scores on the train images and (`teacherOnFlips`) on their
 * horizontal flips, read through the teacher's interface (its input type, layout, batch; log-probabilities
 * for a probability output) and cached on disk under `cacheDir`.
 * @throws JobError BAD_OPTION when the train or val split is empty or holds one class only, CLASS_MISMATCH when the teacher's scores
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
  const { height, width } = imageSize(iface, train.images);
  const channels = iface.input.channels;
  const opts = { channels, height, width };
  const student = studentContract(iface);
  const nhwc = { ...student, layout: 'NHWC' as const };
  let teacherLogits: TrainData['teacher'] = null;
  if (withTeacher) {
    const splitImages: Record<string, NdArray> = { train: train.images, ...(teacherOnFlips ? { 'train-flipped': flipImages(train.images) } : {}) };
    let session: Awaited<ReturnType<typeof createSession>> | null = null;
    try {
      const signal = await teacherSignal({
        model: teacher,
        splits: Object.fromEntries(Object.keys(splitImages).map((s) => [s, train.count])),
        score: async (split, onBatch) => {
          session ??= await createSession(teacher, 'the teacher');
          const r = await scoreImages(session, iface, splitImages[split], { batchSize: 128, onBatch, what: 'the teacher' });
          return { logits: r.logits, numClasses: r.numClasses };
        },
        datasetSha256: ds.sha256,
        contract: { contract: iface.contract, input: iface.input, output: { name: iface.output.name, kind: iface.output.kind } },
        cacheDir,
        onBatch: (split, done, total) => progress({ stage: 'teacher', step: `logits ${split}`, done, total }),
      });
      if (signal.train.numClasses !== k) throw new JobError('CLASS_MISMATCH', `the teacher produced ${signal.train.numClasses} class scores per image but the dataset has ${k} classes`);
      // Without the teacher's view of flipped images, flipped images are distilled toward the unflipped logits.
      teacherLogits = { logits: signal.train.logits, ...(signal['train-flipped'] ? { flipped: signal['train-flipped'].logits } : {}) };
    } finally {
      await (session as Awaited<ReturnType<typeof createSession>> | null)?.release();
    }
  }
  return {
    train: { x: toModelInput(train.images, nhwc, opts).data, y: train.labels, n: train.count },
    val: { x: toModelInput(val.images, nhwc, opts).data, y: val.labels, n: val.count },
    teacher: teacherLogits,
    height,
    width,
    channels,
    fill: blackValue(student, channels),
  };
}

/**
 * Runs `fn` on `data` with an online teacher (function matching, Beyer et al. 2022): the teacher runs in its own
 * onnxruntime-node thread on exactly the augmented (shifted, mixed, jittered) batches the student trains on,
 * read through its interface as in `prepareTrainingData`; the thread is closed when `fn` settles.
 * `data` holds NHWC images in the student's contract (`studentContract(iface)`), as `prepareTrainingData` returns.
 */
export async function withOnlineTeacher<T>(iface: ModelInterface, teacher: Uint8Array, data: TrainData, fn: (d: TrainData) => Promise<T>): Promise<T> {
  const online = await createOnlineTeacher({ model: teacher, iface: { ...iface, input: { ...iface.input, height: data.height, width: data.width } }, contract: studentContract(iface) });
  try {
    return await fn({ ...data, teacher: { online } });
  } finally {
    await online.close();
  }
}
