/** Turn stored images into the float32 tensor a model expects. */
import { DataError, formatShape } from './errors.ts';
import type { InputContract, Layout } from './contract.ts';
import type { NdArray } from './ndarray.ts';

/** What the model wants and which images to convert. */
export interface ModelInputOptions {
  /** Channels the model expects (C of its input). */
  channels: number;
  /** Height the model expects; undefined or ≤ 0 (a dynamic ONNX dim) skips the check. */
  height?: number;
  /** Width the model expects; undefined or ≤ 0 (a dynamic ONNX dim) skips the check. */
  width?: number;
  /** Convert exactly these images, in this order (e.g. one batch from `batchIndices`). Excludes start/count. */
  indices?: ArrayLike<number>;
  /** First image of a contiguous range (default 0). */
  start?: number;
  /** Number of images of the range (default: to the end). */
  count?: number;
}

/** A model input tensor. */
export interface ModelInput {
  /** Float32 values in `layout` order. */
  data: Float32Array;
  /** Tensor dims in `layout` order: `[N, C, H, W]` for NCHW, `[N, H, W, C]` for NHWC. */
  dims: [number, number, number, number];
  /** The contract's layout. */
  layout: Layout;
}

/**
 * Convert images to a float32 model input per an {@link InputContract}.
 *
 * Input: `images` shaped `[N, H, W]` or `[N, H, W, C]` (NHWC, C order), uint8
 * (raw 0–255 pixels) or float32. Output: `value = ((p × scale) − mean[c]) / std[c]`
 * for each selected image, in the contract's layout — dims `[n, C, H, W]`
 * (NCHW) or `[n, H, W, C]` (NHWC), with C = `opts.channels` and n the number of
 * selected images. Computed as one multiply-add per value with per-channel
 * `a = scale / std[c]`, `b = −mean[c] / std[c]`.
 *
 * Channels: equal counts pass through; 1-channel (gray) images fed to a
 * C-channel model have the gray value replicated into every channel.
 * Multi-channel images are never collapsed to fewer channels (no silent
 * luminance conversion) — that throws; convert the dataset to grayscale first.
 *
 * @throws DataError 'UNSUPPORTED_DTYPE' (not uint8/float32), 'SHAPE_MISMATCH'
 *   (bad image rank, or H×W differs from opts.height×opts.width; names both
 *   sizes), 'CHANNEL_MISMATCH' (e.g. 3-channel images, 1-channel model),
 *   'BAD_CONTRACT' (mean/std length not 1 or C), 'BAD_OPTION' (invalid
 *   channels, or indices combined with start/count), 'INDEX_OUT_OF_RANGE'
 *   (an index or the range falls outside [0, N)).
 */
export function toModelInput(images: NdArray, contract: InputContract, opts: ModelInputOptions): ModelInput {
  if (images.dtype !== 'uint8' && images.dtype !== 'float32') {
    throw new DataError('UNSUPPORTED_DTYPE', `images have dtype ${images.dtype}; only uint8 and float32 images can be converted to model input.`);
  }
  const sh = images.shape;
  if (sh.length !== 3 && sh.length !== 4) {
    throw new DataError('SHAPE_MISMATCH', `images have shape ${formatShape(sh)}; expected (N, H, W) or (N, H, W, C) (channels last).`);
  }
  const [total, H, W] = sh;
  const srcC = sh.length === 4 ? sh[3] : 1;
  const C = opts.channels;
  if (!Number.isSafeInteger(C) || C < 1) {
    throw new DataError('BAD_OPTION', `channels must be a positive integer (the model's input channel count); got ${C}.`);
  }
  const wantH = opts.height !== undefined && opts.height > 0 ? opts.height : H;
  const wantW = opts.width !== undefined && opts.width > 0 ? opts.width : W;
  if (wantH !== H || wantW !== W) {
    throw new DataError(
      'SHAPE_MISMATCH',
      `images are ${H}×${W} but the model expects ${wantH}×${wantW}; resize the dataset to ${wantH}×${wantW} (e.g. MedMNIST+ provides larger sizes) or use a model trained on ${H}×${W} images.`,
    );
  }
  if (srcC !== C && srcC !== 1) {
    throw new DataError(
      'CHANNEL_MISMATCH',
      `images have ${srcC} channels but the model expects ${C}; ` +
        (C === 1 ? 'convert the dataset to grayscale first (this package does not guess a luminance formula).' : `provide ${C}-channel or 1-channel images.`),
    );
  }
  const { mean, std, scale } = contract;
  for (const [field, list] of [['mean', mean], ['std', std]] as const) {
    if (list.length !== 1 && list.length !== C) {
      throw new DataError('BAD_CONTRACT', `input contract '${field}' has ${list.length} values but the model has ${C} channel(s); give 1 value or ${C}.`);
    }
  }
  const A = new Float64Array(C);
  const B = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const m = mean.length === 1 ? mean[0] : mean[c];
    const s = std.length === 1 ? std[0] : std[c];
    A[c] = scale / s;
    B[c] = -m / s;
  }

  const sel = selection(total, opts);
  const n = sel.length;
  const plane = H * W;
  const srcStride = plane * srcC;
  const outStride = plane * C;
  const src = images.data;
  const out = new Float32Array(n * outStride);
  const nchw = contract.layout === 'NCHW';

  for (let k = 0; k < n; k++) {
    const base = sel.at(k) * srcStride;
    const o = k * outStride;
    if (nchw) {
      for (let c = 0; c < C; c++) {
        const a = A[c];
        const b = B[c];
        const oc = o + c * plane;
        if (srcC === 1) {
          for (let p = 0; p < plane; p++) out[oc + p] = src[base + p] * a + b;
        } else {
          const sc = base + c;
          for (let p = 0; p < plane; p++) out[oc + p] = src[sc + p * srcC] * a + b;
        }
      }
    } else if (C === 1) {
      const a = A[0];
      const b = B[0];
      for (let p = 0; p < plane; p++) out[o + p] = src[base + p] * a + b;
    } else if (srcC === 1) {
      for (let p = 0; p < plane; p++) {
        const v = src[base + p];
        const op = o + p * C;
        for (let c = 0; c < C; c++) out[op + c] = v * A[c] + B[c];
      }
    } else {
      for (let p = 0; p < plane; p++) {
        const sp = base + p * srcC;
        const op = o + p * C;
        for (let c = 0; c < C; c++) out[op + c] = src[sp + c] * A[c] + B[c];
      }
    }
  }
  const dims: [number, number, number, number] = nchw ? [n, C, H, W] : [n, H, W, C];
  return { data: out, dims, layout: contract.layout };
}

/** The selected image indices, validated, as a random-access view. */
function selection(total: number, opts: ModelInputOptions): { length: number; at(k: number): number } {
  if (opts.indices !== undefined) {
    if (opts.start !== undefined || opts.count !== undefined) {
      throw new DataError('BAD_OPTION', 'pass either indices or start/count to toModelInput, not both.');
    }
    const idx = opts.indices;
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      if (!Number.isInteger(i) || i < 0 || i >= total) {
        throw new DataError('INDEX_OUT_OF_RANGE', `indices[${k}] = ${i} is outside [0, ${total}); indices must address the ${total} images.`);
      }
    }
    return { length: idx.length, at: (k) => idx[k] };
  }
  const start = opts.start ?? 0;
  const count = opts.count ?? total - start;
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > total) {
    throw new DataError('INDEX_OUT_OF_RANGE', `image range start=${start}, count=${count} is outside the ${total} images; need 0 ≤ start and start + count ≤ ${total}.`);
  }
  return { length: count, at: (k) => start + k };
}
