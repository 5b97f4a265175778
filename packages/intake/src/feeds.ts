/**
 * Stored images → the tensors a model is fed: its contract (scale, mean, std, layout), its element type
 * (float32/float16/float64 values, or raw integer pixels) and its batch (fixed batches are filled by
 * repeating the last image; the extra rows' answers are dropped).
 */
import type { InputContract, TensorType } from '@medslim/contracts';
import { toModelInput, type NdArray } from '@medslim/data';
import { fromFloat32 } from '@medslim/onnx';
import { IntakeError } from './errors.ts';
import type { StaticInterface } from './read.ts';

/** Typed array of a fed tensor: Float32Array, Float64Array, Uint16Array (float16 bits), Uint8Array, Int32Array or BigInt64Array. */
export type FeedData = Float32Array | Float64Array | Uint16Array | Uint8Array | Int32Array | BigInt64Array;

/** One run's input. */
export interface Feed {
  type: TensorType;
  data: FeedData;
  /** In the model's layout, e.g. [b, C, H, W] or [b, H, W, C]. */
  dims: number[];
  /** Real images in this feed (≤ dims[0]; the rest repeats the last one to fill a fixed batch). */
  count: number;
}

/**
 * Convert float32 values (already in the contract) to the input's element type (@medslim/onnx `fromFloat32`):
 * integer types round to the nearest integer (an identity contract on uint8 images gives exact integers); uint8
 * clamps to [0, 255].
 */
export function toInputType(type: TensorType, x: Float32Array): FeedData {
  return fromFloat32(type, x);
}

/** The image size a model runs at: its fixed H×W, else the images' own. @throws IntakeError SIZE_MISMATCH */
export function imageSize(iface: Pick<StaticInterface, 'input'>, images: NdArray): { height: number; width: number } {
  const [, h, w] = images.shape;
  const { height, width } = iface.input;
  if ((height !== null && height !== h) || (width !== null && width !== w)) {
    throw new IntakeError('SIZE_MISMATCH', `images are ${h}×${w} but the model input '${iface.input.name}' expects ${height ?? h}×${width ?? w}; resize the dataset or use the matching model`);
  }
  return { height: h, width: w };
}

export interface FeedOptions {
  /** Which images, in order (default all). */
  indices?: ArrayLike<number>;
  /** Images per run when the batch axis is dynamic (default 64); a fixed batch always runs at its size. */
  batchSize?: number;
  /** Use this contract instead of the interface's (the evidence rule tries candidates). */
  contract?: InputContract;
}

/**
 * Feeds for `images` (`[N, H, W]` or `[N, H, W, C]`, uint8 or float32 pixels 0–255) in the model's contract,
 * element type, layout and batch. Each feed is built on demand (memory: one batch).
 * @throws IntakeError BAD_CONTRACT when there is no contract; SIZE_MISMATCH; DataError from toModelInput
 *   (channel mismatch, bad indices).
 */
export function* modelFeeds(iface: StaticInterface, images: NdArray, opts: FeedOptions = {}): Generator<Feed> {
  const contract = opts.contract ?? iface.contract;
  if (!contract) throw new IntakeError('BAD_CONTRACT', 'no input contract to preprocess with (internal: resolve the interface first)');
  const { height, width } = imageSize(iface, images);
  const n = opts.indices ? opts.indices.length : images.shape[0];
  const at = (k: number) => (opts.indices ? opts.indices[k] : k);
  const b = iface.input.batch ?? Math.max(1, opts.batchSize ?? 64);
  const layoutContract = { ...contract, layout: iface.input.layout };
  for (let s = 0; s < n; s += b) {
    const count = Math.min(b, n - s);
    const idx = new Int32Array(iface.input.batch ?? count);
    for (let k = 0; k < idx.length; k++) idx[k] = at(s + Math.min(k, count - 1));
    const x = toModelInput(images, layoutContract, { channels: iface.input.channels, height, width, indices: idx });
    yield { type: iface.input.dtype, data: toInputType(iface.input.dtype, x.data), dims: [...x.dims], count };
  }
}

/**
 * Feeds for images that are already preprocessed — `x` NHWC float32 `[n, H, W, C]` in contract `from` (e.g. a
 * student's augmented training batch, for an online teacher) — in the model's contract, element type, layout
 * and batch. Values are mapped per channel through the pixels they stand for: p = (x·std_from + mean_from) /
 * scale_from, then (p·scale − mean)/std of the model's contract (exactly x when both contracts normalise alike);
 * an integer input gets the raw pixels, rounded. A fixed batch is filled by repeating the last image.
 * @param iface a resolved interface: its contract set and H, W fixed (resolveModelInterface fills them from the data)
 * @throws IntakeError BAD_CONTRACT (no contract), SIZE_MISMATCH (no fixed H×W, or `x` shorter than n·H·W·C)
 */
export function* valueFeeds(iface: StaticInterface, x: Float32Array, n: number, from: InputContract): Generator<Feed> {
  const to = iface.contract;
  if (!to) throw new IntakeError('BAD_CONTRACT', 'no input contract to feed with (internal: resolve the interface first)');
  const { height: h, width: w, channels: c, layout, batch, dtype } = iface.input;
  if (h === null || w === null) throw new IntakeError('SIZE_MISMATCH', `the model input '${iface.input.name}' has no fixed height and width (internal: resolve the interface on the dataset first)`);
  const px = h * w;
  if (x.length < n * px * c) throw new IntakeError('SIZE_MISMATCH', `${x.length} values for ${n} images of ${h}×${w}×${c}`);
  const at = (list: readonly number[], ch: number) => (list.length === 1 ? list[0] : list[ch]);
  // value_to = value_from · a[ch] + b[ch]
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  let identity = true;
  for (let ch = 0; ch < c; ch++) {
    a[ch] = (at(from.std, ch) / from.scale) * (to.scale / at(to.std, ch));
    b[ch] = ((at(from.mean, ch) / from.scale) * to.scale - at(to.mean, ch)) / at(to.std, ch);
    if (Math.abs(a[ch] - 1) > 1e-12 || Math.abs(b[ch]) > 1e-12) identity = false;
  }
  const step = batch ?? Math.max(1, n);
  for (let s = 0; s < n; s += step) {
    const count = Math.min(step, n - s);
    const rows = batch ?? count;
    const out = new Float32Array(rows * px * c);
    for (let k = 0; k < rows; k++) {
      const src = (s + Math.min(k, count - 1)) * px * c;
      for (let p = 0; p < px; p++) {
        for (let ch = 0; ch < c; ch++) {
          const v = x[src + p * c + ch];
          out[layout === 'NHWC' ? k * px * c + p * c + ch : (k * c + ch) * px + p] = identity ? v : v * a[ch] + b[ch];
        }
      }
    }
    yield { type: dtype, data: toInputType(dtype, out), dims: layout === 'NHWC' ? [rows, h, w, c] : [rows, c, h, w], count };
  }
}
