/**
 * Running a classifier through its interface and reading its class scores the same way everywhere
 * (evaluation, calibration targets, teacher logits for distillation, the evidence rule, serving).
 */
import * as ort from 'onnxruntime-node';
import type { OutputKind } from '@medslim/contracts';
import type { NdArray } from '@medslim/data';
import { fromFloat16Bits } from '@medslim/onnx';
import { IntakeError } from './errors.ts';
import { modelFeeds, type Feed, type FeedOptions } from './feeds.ts';
import type { StaticInterface } from './read.ts';

/** Smallest probability whose log is taken (log(1e-38) ≈ −87.5), so a probability of 0 stays finite. */
const MIN_PROBABILITY = 1e-38;

/** An ORT tensor's values as float64 numbers, whatever its element type (float16 bits decoded, int64 as Number). */
export function tensorValues(t: ort.Tensor): ArrayLike<number> {
  const d = t.data as unknown;
  if (t.type === 'float16') {
    if (d instanceof Uint16Array) return Array.from(d, fromFloat16Bits);
    return d as ArrayLike<number>; // a runtime with Float16Array hands numbers
  }
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Array.from(d, Number);
  if (t.type === 'string' || t.type === 'bool') throw new IntakeError('UNSUPPORTED_TYPE', `the model returned a ${t.type} tensor where class scores were expected`);
  return d as ArrayLike<number>;
}

/**
 * Check and canonicalise one image's class scores in place, from `src[off … off+k)` into `dst[doff …]`:
 * logits and log-probabilities are kept as they are; probabilities become log(max(p, 1e-38)). The result
 * is a logits-equivalent row: softmax of it is the model's own class probabilities (exactly, up to float
 * rounding, for probabilities and log-probabilities) — so probabilities are never softmaxed again and
 * knowledge distillation uses log-probabilities as teacher logits.
 * @throws IntakeError BAD_SCORES for NaN/±Infinity, or a probabilities row outside [0, 1] or not summing
 *   to 1 (tolerance 1e-3, 2e-2 for float16 outputs).
 */
function canonicalRow(src: ArrayLike<number>, off: number, k: number, dst: Float32Array, doff: number, kind: OutputKind, what: string, image: number, halfPrecision: boolean): void {
  let sum = 0;
  for (let j = 0; j < k; j++) {
    const v = src[off + j];
    if (!Number.isFinite(v) && !(kind === 'log-probabilities' && v === -Infinity)) {
      throw new IntakeError('BAD_SCORES', `${what} returned ${v} for image ${image}, class ${j}; check the model and its input contract`);
    }
    sum += kind === 'log-probabilities' ? Math.exp(v) : v;
  }
  if (kind !== 'logits') {
    const tol = halfPrecision ? 2e-2 : 1e-3;
    if (Math.abs(sum - 1) > tol) {
      throw new IntakeError('BAD_SCORES', `${what}'s output ends in ${kind === 'probabilities' ? 'Softmax' : 'LogSoftmax'} but image ${image}'s probabilities sum to ${sum.toFixed(4)}, not 1; the softmax is not over the class axis — export the logits instead, or name another output with --output`);
    }
  }
  for (let j = 0; j < k; j++) {
    const v = src[off + j];
    if (kind === 'probabilities') {
      if (v < -1e-6 || v > 1 + 1e-6) throw new IntakeError('BAD_SCORES', `${what}'s output is read as probabilities but image ${image} has ${v} for class ${j}`);
      dst[doff + j] = Math.log(Math.max(v, MIN_PROBABILITY));
    } else dst[doff + j] = v === -Infinity ? Math.log(MIN_PROBABILITY) : v;
  }
}

/** Class scores of N images. */
export interface ClassScores {
  /** `[N, K]` row-major logits-equivalent scores (see canonicalRow): softmax gives the model's probabilities. */
  logits: Float32Array;
  /** K. */
  numClasses: number;
  /** What the model's output held before canonicalisation. */
  kind: OutputKind;
}

/** Run one feed; returns the class-score tensor. @throws IntakeError INFERENCE_FAILED naming ORT's reason. */
export async function runFeed(session: ort.InferenceSession, iface: StaticInterface, f: Feed, what: string): Promise<ort.Tensor> {
  const tensor = new ort.Tensor(f.type, f.data as never, f.dims);
  try {
    const r = await session.run({ [iface.input.name]: tensor }, [iface.output.name]);
    return r[iface.output.name];
  } catch (cause) {
    throw new IntakeError('INFERENCE_FAILED', `${what} failed on input '${iface.input.name}' ${f.type} [${f.dims.join(', ')}]: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

/**
 * Canonical class scores of the rows of one output tensor `[b, …]` (per row the product of the other dims is K).
 * @returns `[count, K]` logits-equivalent scores of the first `count` rows.
 * @throws IntakeError MODEL_OUTPUT (rank < 2, K < 2, wrong batch), BAD_SCORES.
 */
export function canonicalScores(out: ort.Tensor, count: number, kind: OutputKind, what: string, firstImage = 0): { logits: Float32Array; k: number } {
  const dims = out.dims.map(Number);
  const k = dims.slice(1).reduce((a, b) => a * b, 1);
  if (dims.length < 2 || k < 2 || dims[0] < count) {
    throw new IntakeError('MODEL_OUTPUT', `${what} returned an output of shape [${dims.join(', ')}] for ${count} image(s); class scores must be [N, K] with K ≥ 2 — name the class-score output with --output`);
  }
  const values = tensorValues(out);
  const logits = new Float32Array(count * k);
  for (let i = 0; i < count; i++) canonicalRow(values, i * k, k, logits, i * k, kind, what, firstImage + i, out.type === 'float16');
  return { logits, k };
}

export interface ScoreOptions extends FeedOptions {
  /** Called after each run with images done so far and the total. */
  onBatch?: (done: number, total: number) => void;
  /** For messages, e.g. 'the teacher'. */
  what?: string;
}

/**
 * Score images with a model through its interface: feeds in its contract, element type, layout and batch
 * (a fixed batch of 1 runs image by image), reads the class-score output and canonicalises it.
 * @param session an open ORT session of the model (not released here)
 * @param images `[N, H, W]` or `[N, H, W, C]` pixels 0–255 (uint8 or float32)
 * @returns `[n, K]` logits-equivalent scores of the selected images, in order
 * @throws IntakeError INFERENCE_FAILED, MODEL_OUTPUT, BAD_SCORES, CLASS_MISMATCH (K differs from the
 *   interface's or changes between runs), SIZE_MISMATCH; DataError (channels).
 */
export async function scoreImages(session: ort.InferenceSession, iface: StaticInterface, images: NdArray, opts: ScoreOptions = {}): Promise<ClassScores> {
  const what = opts.what ?? 'the model';
  const n = opts.indices ? opts.indices.length : images.shape[0];
  let logits: Float32Array | null = null;
  let k = 0;
  let done = 0;
  for (const f of modelFeeds(iface, images, opts)) {
    const out = await runFeed(session, iface, f, what);
    const r = canonicalScores(out, f.count, iface.output.kind, what, done);
    if (logits === null) {
      k = r.k;
      if (iface.output.numClasses !== null && k !== iface.output.numClasses) {
        throw new IntakeError('CLASS_MISMATCH', `${what}'s output '${iface.output.name}' gives ${k} scores per image but ${iface.output.numClasses} classes were expected (dataset or labels); name the class-score output with --output`);
      }
      logits = new Float32Array(n * k);
    } else if (r.k !== k) throw new IntakeError('MODEL_OUTPUT', `${what}'s output '${iface.output.name}' changed from K = ${k} to ${r.k} between runs`);
    logits.set(r.logits, done * k);
    done += f.count;
    opts.onBatch?.(done, n);
  }
  return { logits: logits ?? new Float32Array(0), numClasses: k, kind: iface.output.kind };
}
