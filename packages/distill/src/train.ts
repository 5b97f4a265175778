import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 as rng } from '@medslim/data';
import { accuracy, argmax, rocAucFromLogits } from '@medslim/eval';
import { copyAugmented, jitterInPlace, mixInto, sampleBeta } from './augment.ts';
import { ensureTfjsGradients } from './backend/gradients.ts';
import { DistillError } from './errors.ts';
import type { SoftLossName } from './loss.ts';
import { applyUpdate, createOptimizerState, learningRate, type OptimizerName, type OptimizerState, type ScheduleName } from './optimizer.ts';
import type { StudentConfig } from './student/config.ts';
import { forward, updateRunningStats } from './student/forward.ts';
import { assignValues, initStudent, namedVariables, restore, snapshot, type StudentParams } from './student/params.ts';
import { maxBatchForBackend } from './backend/memory.ts';
import { createGradientPool, defaultTrainingThreads, type GradientPool, type StepTrace } from './parallel/pool.ts';
import { trainableLayout, writeWeights, type FlatLayout } from './parallel/shard.ts';

/** Training settings; every default is the reference recipe of shared/fixtures/PROVENANCE.md unless noted. */
export interface TrainConfig {
  epochs: number;
  /** Images per step (default 64; the wasm backend refuses more than 128). */
  batchSize: number;
  optimizer: OptimizerName;
  /** Base learning rate (Adam 1e-3; SGD 0.05). */
  lr: number;
  schedule: ScheduleName;
  momentum: number;
  weightDecay: number;
  temperature: number;
  alpha: number;
  /** The soft term of the KD loss: 'kl' (Hinton et al. 2015, default) or 'logit-mse' (logit matching; see KdLossConfig.soft). */
  softLoss: SoftLossName;
  /**
   * Exponential moving average of the trainable weights (Polyak & Juditsky 1992; as in tf.train.ExponentialMovingAverage):
   * after optimizer step t, ema ← d·ema + (1 − d)·w with d = min(ema, (1 + t)/(10 + t)) (the warm-up keeps the
   * average from lingering on the initialization). Validation, model selection and the returned weights then use
   * the averaged weights (BatchNorm keeps the running statistics of the trained weights). 0 = off (default);
   * typical 0.99–0.999 per step.
   */
  ema: number;
  /**
   * Random horizontal flips. Off by default: chest X-rays are not left-right symmetric (the heart sits on the
   * left), and on PneumoniaMNIST flips cost the KD student test AUC (seed 0: 0.9393 with flips, 0.9464 without).
   */
  flip: boolean;
  /**
   * Random shifts of up to this many pixels, black fill (default 0: the reference recipe uses flips only). With an
   * online teacher the teacher scores the shifted view, so the student learns the teacher's own reaction to the
   * black border: PneumoniaMNIST's teacher calls 11–36 % of 1-px and up to 82 % of 2-px-shifted normal train
   * images pneumonia (`bench/teacher-shift.ts`), and students trained with mixup + shifts ±2 called every
   * validation image pneumonia. Check a teacher with that bench before shifting its views.
   */
  maxShift: number;
  /**
   * Mixup of images (Zhang et al. 2018) for function matching (Beyer et al. 2022, "Knowledge distillation: A good
   * teacher is patient and consistent"): the Beta(mixup, mixup) concentration of the mixing weight λ; 0 = off
   * (default). A mixed image is λ·x_i + (1 − λ)·x_j with x_j another train image drawn at random (each with its
   * own shift); the teacher must score the mixed image itself — an online teacher (`TrainData.teacher.online`) —
   * so cached logits are refused. The hard-label term (α) uses the label of the image with the larger weight
   * (λ ≥ 0.5 → x_i's); with α = 0 the loss is pure function matching.
   */
  mixup: number;
  /** Fraction of the images that are mixed when `mixup` > 0 (each independently), in [0, 1]. Default 1. */
  mixupFraction: number;
  /**
   * Brightness jitter: the raw pixels are multiplied by a gain drawn from U(1 − b, 1 + b) (in the contract: a
   * gain around the black value `fill`), b in [0, 1); 0 = off (default). Consistent only with an online teacher.
   */
  brightness: number;
  /** Contrast jitter: each image is scaled around its mean by a factor from U(1 − c, 1 + c), c in [0, 1); 0 = off (default). */
  contrast: number;
  /** Sample each epoch with class-balanced probabilities (with replacement) instead of a shuffle. */
  balanced: boolean;
  seed: number;
  /**
   * Threads of synchronous data-parallel training on the wasm backend (parallel/pool.ts): 0 = every core
   * (os.availableParallelism). The result is deterministic for a given count, and differs between counts
   * (BatchNorm statistics are per shard). Other backends use their own threads and train with 1.
   */
  threads: number;
  /**
   * Images per forward/backward pass (gradient accumulation up to `batchSize`): 0 = the largest the wasm heap
   * holds at this resolution (`maxBatchForBackend`); other backends take the whole batch. BatchNorm normalizes
   * each micro-batch with its own statistics.
   */
  microBatch: number;
}

export const defaultTrainConfig: TrainConfig = {
  epochs: 10, batchSize: 64, optimizer: 'adam', lr: 1e-3, schedule: 'cosine', momentum: 0.9, weightDecay: 0,
  temperature: 4, alpha: 0.1, softLoss: 'kl', ema: 0, flip: false, maxShift: 0, mixup: 0, mixupFraction: 1, brightness: 0, contrast: 0, balanced: false, seed: 0, threads: 0, microBatch: 0,
};

/**
 * Teacher logits computed while training, on exactly the augmented images the student sees (function matching,
 * Beyer et al. 2022). `logits` receives NHWC images [n, H, W, C] in the model's contract and resolves to
 * logits [n, K]; training asks for the next batch before computing the current one, so a teacher running in
 * another thread (createOnlineTeacher) overlaps with the student's step. It must not keep or modify `x`.
 */
export interface OnlineTeacher {
  logits(x: Float32Array, n: number): Promise<Float32Array>;
}

/** Training data: NHWC float32 images already in the model's contract, int32 labels, teacher logits. */
export interface TrainData {
  train: { x: Float32Array; y: Int32Array; n: number };
  val: { x: Float32Array; y: Int32Array; n: number };
  /**
   * Teacher logits on the train images [N, K] and (optional) on their horizontal flips, cached before training;
   * or an online teacher run on every augmented batch; or null (no teacher: α must be 1 for a meaningful loss).
   */
  teacher: { logits: Float32Array; flipped?: Float32Array } | { online: OnlineTeacher } | null;
  height: number;
  width: number;
  channels: number;
  /** Per-channel value of a black pixel in the contract (fill for shifts). */
  fill: number[];
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  loss: number;
  valAuc: number | null;
  imagesPerSecond: number;
  etaSeconds: number;
}

export interface TrainResult {
  params: StudentParams;
  bestEpoch: number;
  bestValAuc: number;
  history: { epoch: number; loss: number; valAuc: number; valAccuracy: number; seconds: number }[];
  imagesPerSecond: number;
  seconds: number;
  /** Epoch training resumed after (0 = from scratch). */
  resumedFrom: number;
  /** Threads and micro-batch size the run used. */
  threads: number;
  microBatch: number;
}

export interface TrainOptions {
  /** Checkpoint file written after each epoch (resume reads it). */
  checkpoint?: string;
  resume?: boolean;
  onProgress?: (p: TrainProgress) => void;
  /** Called once per epoch with the evaluation, after the checkpoint is written. */
  onEpoch?: (h: TrainResult['history'][number]) => void;
  /** Start from these weights instead of a fresh initialization (fine-tuning a pruned student). */
  init?: StudentParams;
  /** Receives the timeline of every data-parallel step (benchmarks: bench/train-timeline.ts). */
  onStepTrace?: (t: StepTrace) => void;
}

/** The epoch's sample order: a seeded shuffle, or a class-balanced draw with replacement. Seeded by (seed, epoch). */
function epochOrder(y: Int32Array, k: number, epoch: number, cfg: TrainConfig): Int32Array {
  const r = rng(cfg.seed * 7919 + epoch);
  const n = y.length;
  const order = new Int32Array(n);
  if (cfg.balanced) {
    const byClass: number[][] = Array.from({ length: k }, () => []);
    for (let i = 0; i < n; i++) byClass[y[i]].push(i);
    const present = byClass.filter((c) => c.length > 0);
    for (let i = 0; i < n; i++) {
      const c = present[Math.floor(r() * present.length)];
      order[i] = c[Math.floor(r() * c.length)];
    }
    return order;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = order[i]; order[i] = order[j]; order[j] = t;
  }
  return order;
}

/**
 * Student logits for NHWC images [n, H, W, C] in eval mode, batch by batch. Returns [n, K].
 * Default batch: 256 images, and on wasm at most twice the training micro-batch the heap holds at H×W
 * (`maxBatchForBackend`; 256 at 28×28, 4 at 224×224) — 64 validation images of 224×224 in one pass
 * exhausted the wasm heap at the end of the first epoch of a 224 px distillation.
 */
export function predictLogits(
  config: StudentConfig, params: StudentParams, x: Float32Array, n: number, h: number, w: number, c: number,
  batchSize = tf.getBackend() === 'wasm' ? Math.min(256, 2 * maxBatchForBackend('wasm', h * w)) : 256,
): Float32Array {
  const k = config.numClasses;
  const out = new Float32Array(n * k);
  const per = h * w * c;
  for (let s = 0; s < n; s += batchSize) {
    const m = Math.min(batchSize, n - s);
    const logits = tf.tidy(() => forward(config, params, tf.tensor4d(x.subarray(s * per, (s + m) * per), [m, h, w, c]), false));
    out.set(logits.dataSync() as Float32Array, s * k);
    logits.dispose();
  }
  return out;
}

/**
 * Validation ROC AUC (from the logits, see `@medslim/eval` rocAucFromLogits) and top-1 accuracy of a student in
 * eval mode on `d.val` — the metric model selection, the sensitivity analysis and pruning use.
 */
export function validationMetrics(config: StudentConfig, params: StudentParams, d: TrainData): { auc: number; accuracy: number } {
  const k = config.numClasses;
  const logits = predictLogits(config, params, d.val.x, d.val.n, d.height, d.width, d.channels);
  return { auc: rocAucFromLogits(logits, d.val.y, k), accuracy: accuracy(argmax(logits, d.val.n, k), d.val.y) };
}

interface CheckpointFile {
  version: 1;
  epoch: number;
  config: StudentConfig;
  train: TrainConfig;
  optimizerStep: number;
  bestEpoch: number;
  bestValAuc: number;
  history: TrainResult['history'];
  seconds: number;
  images: number;
  /** name → [offset, length, shape] into the binary blob. */
  tensors: Record<string, [number, number, number[]]>;
}

/** Per-variable views of flat optimizer slots, named `opt/<variable>/<slot>` (checkpoint entries). */
function optimizerEntries(opt: OptimizerState, layout: FlatLayout, shapes: number[][]): [string, { shape: number[]; data: Float32Array }][] {
  return layout.names.flatMap((name, i) => opt.slots.map((s, j): [string, { shape: number[]; data: Float32Array }] => [`opt/${name}/${j}`, { shape: shapes[i], data: s.subarray(layout.offsets[i], layout.offsets[i] + layout.sizes[i]) }]));
}

/** Per-variable views of the flat weight average, named `ema/<variable>` (checkpoint entries). */
function emaEntries(ema: Float32Array, layout: FlatLayout, shapes: number[][]): [string, { shape: number[]; data: Float32Array }][] {
  return layout.names.map((name, i) => [`ema/${name}`, { shape: shapes[i], data: ema.subarray(layout.offsets[i], layout.offsets[i] + layout.sizes[i]) }]);
}

/**
 * One step of the exponential moving average of the weights, in place: ema ← d·ema + (1 − d)·w with
 * d = min(decay, (1 + step)/(10 + step)) — tf.train.ExponentialMovingAverage's num_updates warm-up; `step` is the
 * number of optimizer steps taken so far (1 after the first).
 */
export function emaUpdate(ema: Float32Array, w: Float32Array, decay: number, step: number): void {
  const d = Math.min(decay, (1 + step) / (10 + step));
  for (let i = 0; i < ema.length; i++) ema[i] = d * ema[i] + (1 - d) * w[i];
}

function writeCheckpoint(path: string, meta: Omit<CheckpointFile, 'tensors'>, params: StudentParams, best: Map<string, { shape: number[]; data: Float32Array }>, optEntries: [string, { shape: number[]; data: Float32Array }][]): void {
  const entries: [string, { shape: number[]; data: Float32Array }][] = [...snapshot(params).entries()];
  for (const [k, v] of best) entries.push([`best/${k}`, v]);
  entries.push(...optEntries);
  const tensors: CheckpointFile['tensors'] = {};
  let offset = 0;
  for (const [k, v] of entries) { tensors[k] = [offset, v.data.length, v.shape]; offset += v.data.length; }
  const blob = new Float32Array(offset);
  for (const [k, v] of entries) blob.set(v.data, tensors[k][0]);
  const header = Buffer.from(JSON.stringify({ ...meta, tensors }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, Buffer.concat([len, header, Buffer.alloc((4 - ((4 + header.length) % 4)) % 4), Buffer.from(blob.buffer)]));
  renameSync(`${path}.tmp`, path);
}

function readCheckpoint(path: string): { meta: CheckpointFile; get: (k: string) => { shape: number[]; data: Float32Array } | undefined } {
  const buf = readFileSync(path);
  const n = buf.readUInt32LE(0);
  const meta = JSON.parse(buf.subarray(4, 4 + n).toString('utf8')) as CheckpointFile;
  const start = 4 + n + ((4 - ((4 + n) % 4)) % 4);
  const blob = new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.byteLength));
  return { meta, get: (k) => (meta.tensors[k] ? { shape: meta.tensors[k][2], data: blob.slice(meta.tensors[k][0], meta.tensors[k][0] + meta.tensors[k][1]) } : undefined) };
}

/**
 * Trains a student with the knowledge-distillation loss (or plain cross-entropy when α = 1): seeded shuffles
 * and augmentation, Adam or SGD+momentum with a cosine or step schedule, validation AUC after each epoch, the
 * best epoch's weights kept, a checkpoint after every epoch (resume continues after the last finished epoch
 * and reproduces the uninterrupted run).
 * @throws DistillError NAN_LOSS naming the epoch and step when the loss stops being finite; BAD_CHECKPOINT when
 *   a resume checkpoint belongs to another configuration.
 */
export async function trainStudent(config: StudentConfig, data: TrainData, cfgIn: Partial<TrainConfig> = {}, o: TrainOptions = {}): Promise<TrainResult> {
  const cfg: TrainConfig = { ...defaultTrainConfig, ...Object.fromEntries(Object.entries(cfgIn).filter(([, v]) => v !== undefined)) };
  await ensureTfjsGradients(); // tfjs-core registers no gradients by itself
  const k = config.numClasses;
  const { height: h, width: w, channels: c } = data;
  const per = h * w * c;
  const onWasm = tf.getBackend() === 'wasm';
  for (const key of ['threads', 'microBatch'] as const) {
    if (!Number.isInteger(cfg[key]) || cfg[key] < 0) throw new DistillError('BAD_CONFIG', `${key} must be an integer ≥ 0 (0 = automatic); got ${cfg[key]}`);
  }
  if (!(cfg.mixup >= 0 && Number.isFinite(cfg.mixup))) throw new DistillError('BAD_CONFIG', `mixup (the Beta concentration) must be a number ≥ 0 (0 = off); got ${cfg.mixup}`);
  if (!(cfg.mixupFraction >= 0 && cfg.mixupFraction <= 1)) throw new DistillError('BAD_CONFIG', `mixupFraction must be in [0, 1]; got ${cfg.mixupFraction}`);
  for (const key of ['brightness', 'contrast'] as const) {
    if (!(cfg[key] >= 0 && cfg[key] < 1)) throw new DistillError('BAD_CONFIG', `${key} must be in [0, 1) (0 = off); got ${cfg[key]}`);
  }
  if (cfg.mixup > 0 && data.teacher && 'logits' in data.teacher) {
    throw new DistillError('BAD_CONFIG', 'mixup needs the teacher\'s logits on each mixed image (function matching), but the teacher logits are cached per train image; use an online teacher (TrainData.teacher = { online }, --online-teacher) or set mixup to 0');
  }
  if (!(cfg.ema >= 0 && cfg.ema < 1)) throw new DistillError('BAD_CONFIG', `ema (the weight average's decay per step) must be in [0, 1) (0 = off); got ${cfg.ema}`);
  if (cfg.softLoss !== 'kl' && cfg.softLoss !== 'logit-mse') throw new DistillError('BAD_CONFIG', `softLoss must be 'kl' or 'logit-mse'; got '${cfg.softLoss}'`);
  if (!Number.isInteger(cfg.batchSize) || cfg.batchSize < 1) throw new DistillError('BAD_CONFIG', `batch size must be a positive integer, got ${cfg.batchSize}`);
  // Resolved here so checkpoints record (and resume checks) what actually ran.
  cfg.threads = onWasm ? Math.min(cfg.threads || defaultTrainingThreads(), cfg.batchSize) : 1;
  cfg.microBatch = Math.min(cfg.batchSize, cfg.microBatch || (onWasm ? maxBatchForBackend('wasm', h * w) : cfg.batchSize));
  const params = o.init ?? initStudent(config, cfg.seed);
  const trainable = namedVariables(params).filter(([, v]) => v.trainable);
  const layout = trainableLayout(params);
  const shapes = trainable.map(([, v]) => v.shape.slice());
  const opt = createOptimizerState(cfg.optimizer, layout.size);
  const stepsPerEpoch = Math.ceil(data.train.n / cfg.batchSize);
  const totalSteps = stepsPerEpoch * cfg.epochs;
  let best = snapshot(params);
  let bestEpoch = 0;
  let bestValAuc = -Infinity;
  const history: TrainResult['history'] = [];
  let startEpoch = 0;
  let seconds = 0;
  let images = 0;
  let resumedEma: Float32Array | null = null;

  if (o.resume && o.checkpoint && existsSync(o.checkpoint)) {
    const ck = readCheckpoint(o.checkpoint);
    if (JSON.stringify(ck.meta.config) !== JSON.stringify(config) || JSON.stringify(ck.meta.train) !== JSON.stringify(cfg)) {
      throw new DistillError('BAD_CHECKPOINT', `checkpoint ${o.checkpoint} was written for another student or training configuration; delete it or run with the same options`);
    }
    restore(params, new Map(namedVariables(params).map(([name]) => [name, ck.get(name)!])));
    best = new Map(namedVariables(params).map(([name]) => [name, ck.get(`best/${name}`)!]));
    for (const [name, { data }] of optimizerEntries(opt, layout, shapes)) data.set(ck.get(name)!.data);
    if (cfg.ema > 0) {
      resumedEma = new Float32Array(layout.size);
      for (const [name, { data }] of emaEntries(resumedEma, layout, shapes)) data.set(ck.get(name)!.data);
    }
    opt.step = ck.meta.optimizerStep;
    startEpoch = ck.meta.epoch;
    bestEpoch = ck.meta.bestEpoch;
    bestValAuc = ck.meta.bestValAuc;
    history.push(...ck.meta.history);
    seconds = ck.meta.seconds;
    images = ck.meta.images;
  }

  const online = data.teacher && 'online' in data.teacher ? data.teacher.online : null;
  const cached = data.teacher && 'logits' in data.teacher ? data.teacher : null;
  const kd = { temperature: cfg.temperature, alpha: cfg.alpha, soft: cfg.softLoss };
  // BatchNorm running statistics (forward order), kept in JS during the epoch and written into the variables
  // before each evaluation.
  const bnVars = namedVariables(params).filter(([name]) => name.endsWith('.bn.mean')).map(([name, mean]) => ({ mean, variance: namedVariables(params).find(([n]) => n === name.replace(/mean$/, 'variance'))![1] }));
  const running = bnVars.map((b) => ({ mean: Float32Array.from(b.mean.dataSync()), variance: Float32Array.from(b.variance.dataSync()) }));
  // The weight average (cfg.ema > 0), flat like the pool's weights; restored on resume.
  let ema: Float32Array | null = null;
  const syncParams = (p: GradientPool) => {
    writeWeights(params, ema ?? p.weights);
    bnVars.forEach((b, i) => {
      assignValues(b.mean, running[i].mean);
      assignValues(b.variance, running[i].variance);
    });
  };
  let pool: GradientPool | null = null;
  try {
    pool = await createGradientPool({ config, params, kd, threads: cfg.threads, micro: cfg.microBatch, batchSize: cfg.batchSize, height: h, width: w, channels: c, withTeacher: data.teacher != null, trace: o.onStepTrace });
    const { batch } = pool;
    if (cfg.ema > 0) {
      ema = Float32Array.from(pool.weights);
      if (resumedEma) ema.set(resumedEma);
    }
    for (let epoch = startEpoch + 1; epoch <= cfg.epochs; epoch++) {
      const t0 = performance.now();
      const order = epochOrder(data.train.y, k, epoch, cfg);
      const r = rng(cfg.seed * 104729 + epoch);
      let lossSum = 0;
      // Assembles step `step`'s augmented batch: into the shared buffers directly, or (online teacher) into fresh
      // buffers whose teacher logits are requested at once, one step ahead of their use.
      const partner = new Float32Array(cfg.mixup > 0 ? per : 0);
      const assemble = (step: number) => {
        const s = step * cfg.batchSize;
        const m = Math.min(cfg.batchSize, data.train.n - s);
        const xb = online ? new Float32Array(m * per) : batch.x;
        const yb = online ? new Int32Array(m) : batch.y;
        for (let j = 0; j < m; j++) {
          const i = order[s + j];
          const flip = cfg.flip && r() < 0.5;
          const dy = cfg.maxShift ? Math.floor(r() * (2 * cfg.maxShift + 1)) - cfg.maxShift : 0;
          const dx = cfg.maxShift ? Math.floor(r() * (2 * cfg.maxShift + 1)) - cfg.maxShift : 0;
          copyAugmented(data.train.x, i * per, xb, j * per, h, w, c, flip, dy, dx, data.fill);
          yb[j] = data.train.y[i];
          // Draws below happen only for the augmentations that are on, so runs without them are unchanged.
          if (cfg.mixup > 0 && (cfg.mixupFraction >= 1 || r() < cfg.mixupFraction)) {
            const i2 = Math.floor(r() * data.train.n);
            const flip2 = cfg.flip && r() < 0.5;
            const dy2 = cfg.maxShift ? Math.floor(r() * (2 * cfg.maxShift + 1)) - cfg.maxShift : 0;
            const dx2 = cfg.maxShift ? Math.floor(r() * (2 * cfg.maxShift + 1)) - cfg.maxShift : 0;
            const lambda = sampleBeta(cfg.mixup, r);
            copyAugmented(data.train.x, i2 * per, partner, 0, h, w, c, flip2, dy2, dx2, data.fill);
            mixInto(xb, j * per, partner, 0, per, lambda);
            if (lambda < 0.5) yb[j] = data.train.y[i2];
          }
          if (cfg.brightness > 0 || cfg.contrast > 0) {
            const gain = cfg.brightness > 0 ? 1 + cfg.brightness * (2 * r() - 1) : 1;
            const f = cfg.contrast > 0 ? 1 + cfg.contrast * (2 * r() - 1) : 1;
            jitterInPlace(xb, j * per, h, w, c, gain, f, data.fill);
          }
          if (cached) {
            const src = flip && cached.flipped ? cached.flipped : cached.logits;
            batch.t!.set(src.subarray(i * k, (i + 1) * k), j * k);
          }
        }
        return { s, m, xb, yb, teacher: online ? online.logits(xb, m) : null };
      };
      let next = assemble(0);
      for (let step = 0; step < stepsPerEpoch; step++) {
        const cur = next;
        const { s, m } = cur;
        if (online) {
          if (step + 1 < stepsPerEpoch) next = assemble(step + 1);
          batch.x.set(cur.xb);
          batch.y.set(cur.yb);
          const t = await cur.teacher!;
          if (t.length !== m * k) throw new DistillError('SIZE_MISMATCH', `the online teacher returned ${t.length} logits for ${m} images of ${k} classes; it must return [n, K]`);
          batch.t!.set(t);
        }
        const lr = learningRate(cfg.lr, cfg.schedule, opt.step, totalSteps);
        const res = await pool.step(params, m);
        const loss = res.lossSum / m;
        if (!Number.isFinite(loss)) {
          throw new DistillError('NAN_LOSS', `the training loss became ${loss} at epoch ${epoch}, step ${step + 1} of ${stepsPerEpoch} (learning rate ${lr.toExponential(2)}); lower --lr or check the data for extreme values`);
        }
        applyUpdate(opt, pool.weights, res.grad, lr, cfg);
        if (ema) emaUpdate(ema, pool.weights, cfg.ema, opt.step);
        res.bn.forEach((b, i) => updateRunningStats(running[i].mean, running[i].variance, b.mean, b.variance, b.count));
        if (!online && step + 1 < stepsPerEpoch) next = assemble(step + 1);
        lossSum += loss * m;
        images += m;
        const elapsed = seconds + (performance.now() - t0) / 1000;
        const ips = images / Math.max(elapsed, 1e-9);
        const remaining = (cfg.epochs - epoch) * data.train.n + (data.train.n - s - m);
        o.onProgress?.({ epoch, epochs: cfg.epochs, step: step + 1, steps: stepsPerEpoch, loss, valAuc: history.at(-1)?.valAuc ?? null, imagesPerSecond: ips, etaSeconds: remaining / ips });
      }
      syncParams(pool);
      const ev = validationMetrics(config, params, data);
      const epochSeconds = (performance.now() - t0) / 1000;
      seconds += epochSeconds;
      const rec = { epoch, loss: lossSum / data.train.n, valAuc: ev.auc, valAccuracy: ev.accuracy, seconds: epochSeconds };
      history.push(rec);
      if (ev.auc > bestValAuc) {
        bestValAuc = ev.auc;
        bestEpoch = epoch;
        best = snapshot(params);
      }
      if (o.checkpoint) {
        writeCheckpoint(o.checkpoint, { version: 1, epoch, config, train: cfg, optimizerStep: opt.step, bestEpoch, bestValAuc, history, seconds, images }, params, best, [...optimizerEntries(opt, layout, shapes), ...(ema ? emaEntries(ema, layout, shapes) : [])]);
      }
      o.onEpoch?.(rec);
    }
  } catch (err) {
    throw wasmAbortError(err, cfg);
  } finally {
    await pool?.close();
  }
  restore(params, best);
  return { params, bestEpoch, bestValAuc, history, imagesPerSecond: images / Math.max(seconds, 1e-9), seconds, resumedFrom: startEpoch, threads: cfg.threads, microBatch: cfg.microBatch };
}

/** A wasm abort (heap exhausted) becomes a DistillError naming the micro-batch to lower; other errors pass. */
function wasmAbortError(err: unknown, cfg: TrainConfig): unknown {
  const msg = err instanceof Error ? err.message : String(err);
  if (err instanceof DistillError || !/Aborted\(|RuntimeError|out of memory|memory access out of bounds|divide by zero/i.test(msg)) return err;
  return new DistillError('OUT_OF_MEMORY', `the wasm backend ran out of memory training micro-batches of ${cfg.microBatch} images (${msg.split('\n')[0]}); set a smaller micro-batch (--micro-batch, microBatch) — the effective batch stays ${cfg.batchSize}`);
}
