/**
 * MedMNIST-style datasets: one `.npz` with `{train,val,test}_images` and
 * `{train,val,test}_labels`.
 */
import { basename } from 'node:path';
import { DataError, formatShape } from './errors.ts';
import { sha256Hex } from './fingerprint.ts';
import { toClassLabels } from './labels.ts';
import type { NdArray, NdArrayOf } from './ndarray.ts';
import { loadNpz, readFileBytes } from './npz.ts';

/** The three MedMNIST splits. */
export type SplitName = 'train' | 'val' | 'test';

/** The split names in canonical order. */
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];

/** Images as stored: uint8 pixels (0–255) or float32, shape `[N, H, W]` or `[N, H, W, C]` (NHWC). */
export type ImageArray = NdArrayOf<'uint8'> | NdArrayOf<'float32'>;

/** One split of a dataset. */
export interface Split {
  /** Images exactly as stored in the file: `[N, H, W]` or `[N, H, W, C]`, C order (NHWC), uint8 or float32. */
  images: ImageArray;
  /** Class index per image, each in [0, numClasses). Length N. */
  labels: Int32Array;
  /** Number of images N. */
  count: number;
}

/** A loaded, validated dataset. */
export interface Dataset {
  /** The path it was loaded from. */
  path: string;
  /** SHA-256 (hex) of the whole .npz file — equal to `sha256sum path`; the dataset fingerprint. */
  sha256: string;
  /** The splits present in the file. */
  splits: Partial<Record<SplitName, Split>>;
  /** Image height H in pixels (same for all splits). */
  height: number;
  /** Image width W in pixels (same for all splits). */
  width: number;
  /** Channels per pixel: 1 for `[N, H, W]` images, else the trailing C (1 or 3). */
  channels: number;
  /** Number of classes K: `opts.numClasses`, or max label over all splits + 1. */
  numClasses: number;
}

/** Options for {@link loadDataset}. */
export interface LoadDatasetOptions {
  /** Number of classes the model has; every label must be in [0, numClasses). */
  numClasses?: number;
  /**
   * Splits that must be present and non-empty. Default all three.
   * 'test' is always required, even if omitted here.
   */
  requireSplits?: readonly SplitName[];
}

/**
 * Load and validate a MedMNIST-style `.npz` dataset (arrays in NumPy NEP-1 .npy format).
 *
 * Expected keys per split S: `S_images` — uint8 (0–255) or float32, shape
 * `[N, H, W]` or `[N, H, W, C]` with C ∈ {1, 3} (NHWC) — and `S_labels` —
 * `[N]` or `[N, 1]`, any integer dtype or integral float, returned as
 * `Int32Array`. Images are not converted; use `toModelInput` for that.
 * `sha256` is the SHA-256 of the file's bytes (same as `sha256sum`), used as
 * the dataset's fingerprint in reports.
 *
 * @throws DataError
 *   'FILE_READ_FAILED' / 'NOT_NPZ' / 'NPZ_CORRUPT' / NPY_* (unreadable file),
 *   'NPZ_MISSING_KEY' (a required split's key, or half of an images/labels
 *   pair, is absent; lists the keys present), 'EMPTY_SPLIT' (required split
 *   has N = 0), 'UNSUPPORTED_DTYPE' (images not uint8/float32),
 *   'SHAPE_MISMATCH' (bad image rank/channels, image/label counts differ, or
 *   splits disagree on H×W×C), 'NON_FINITE' (NaN/Inf in float images),
 *   'BAD_LABELS' / 'LABEL_OUT_OF_RANGE' (label outside [0, K); names split,
 *   value and index), 'BAD_OPTION' (invalid options).
 */
export function loadDataset(path: string, opts: LoadDatasetOptions = {}): Dataset {
  const required = new Set<SplitName>([...(opts.requireSplits ?? SPLIT_NAMES), 'test']);
  for (const s of required) {
    if (!SPLIT_NAMES.includes(s)) {
      throw new DataError('BAD_OPTION', `requireSplits contains '${String(s)}'; allowed split names are ${SPLIT_NAMES.join(', ')}.`);
    }
  }
  if (opts.numClasses !== undefined && !(Number.isSafeInteger(opts.numClasses) && opts.numClasses >= 1)) {
    throw new DataError('BAD_OPTION', `numClasses must be a positive integer; got ${opts.numClasses}.`);
  }
  const bytes = readFileBytes(path);
  const sha256 = sha256Hex(bytes);
  const arrays = loadNpz(bytes, path);
  const file = basename(path);
  const present = Object.keys(arrays).sort();
  const presentList = present.length ? present.map((k) => `'${k}'`).join(', ') : '(none)';

  // Which keys are missing?
  const missing: string[] = [];
  for (const s of SPLIT_NAMES) {
    const hasImages = `${s}_images` in arrays;
    const hasLabels = `${s}_labels` in arrays;
    if (required.has(s) || hasImages || hasLabels) {
      if (!hasImages) missing.push(`${s}_images`);
      if (!hasLabels) missing.push(`${s}_labels`);
    }
  }
  if (missing.length) {
    throw new DataError(
      'NPZ_MISSING_KEY',
      `dataset '${file}' is missing key${missing.length > 1 ? 's' : ''} ${missing.map((k) => `'${k}'`).join(', ')}; keys present: ${presentList}. ` +
        `A MedMNIST-style .npz needs {train,val,test}_images and {train,val,test}_labels` +
        (required.size < 3 ? ` (required splits here: ${[...required].join(', ')})` : '') +
        '.',
    );
  }

  const splits: Partial<Record<SplitName, Split>> = {};
  let geometry: { h: number; w: number; c: number; from: SplitName } | undefined;
  let maxLabel = -1;
  for (const s of SPLIT_NAMES) {
    if (!(`${s}_images` in arrays)) continue;
    const images = checkImages(arrays[`${s}_images`], s);
    const n = images.shape[0];
    const [h, w] = [images.shape[1], images.shape[2]];
    const c = images.shape.length === 4 ? images.shape[3] : 1;
    const labels = toClassLabels(arrays[`${s}_labels`], `split '${s}' (key '${s}_labels')`);
    if (labels.length !== n) {
      throw new DataError(
        'SHAPE_MISMATCH',
        `split '${s}' has ${n} images ('${s}_images' ${formatShape(images.shape)}) but ${labels.length} labels ('${s}_labels'); every image needs exactly one label.`,
      );
    }
    if (n === 0 && required.has(s)) {
      throw new DataError('EMPTY_SPLIT', `split '${s}' in dataset '${file}' has 0 images; it is required and must contain at least one image.`);
    }
    if (geometry === undefined) {
      geometry = { h, w, c, from: s };
    } else if (geometry.h !== h || geometry.w !== w || geometry.c !== c) {
      throw new DataError(
        'SHAPE_MISMATCH',
        `split '${s}' has ${h}×${w} images with ${c} channel(s) but split '${geometry.from}' has ${geometry.h}×${geometry.w} with ${geometry.c}; all splits must share one image size.`,
      );
    }
    if (opts.numClasses !== undefined) {
      const k = opts.numClasses;
      for (let i = 0; i < labels.length; i++) {
        if (labels[i] >= k) {
          throw new DataError(
            'LABEL_OUT_OF_RANGE',
            `labels in split '${s}' must be in [0, ${k}); found ${labels[i]} at index ${i}. Check that the dataset matches the model's classes.`,
          );
        }
      }
    }
    for (let i = 0; i < labels.length; i++) if (labels[i] > maxLabel) maxLabel = labels[i];
    splits[s] = { images, labels, count: n };
  }
  // 'test' is always required, so geometry is set here.
  const g = geometry as { h: number; w: number; c: number };
  return { path, sha256, splits, height: g.h, width: g.w, channels: g.c, numClasses: opts.numClasses ?? maxLabel + 1 };
}

function checkImages(arr: NdArray, s: SplitName): ImageArray {
  const key = `${s}_images`;
  if (arr.dtype !== 'uint8' && arr.dtype !== 'float32') {
    throw new DataError(
      'UNSUPPORTED_DTYPE',
      `'${key}' has dtype ${arr.dtype}; images must be uint8 (0–255) or float32. Convert with images.astype(numpy.uint8) or numpy.float32 and re-save.`,
    );
  }
  const sh = arr.shape;
  if (!(sh.length === 3 || (sh.length === 4 && (sh[3] === 1 || sh[3] === 3)))) {
    throw new DataError(
      'SHAPE_MISMATCH',
      `'${key}' has shape ${formatShape(sh)}; images must be (N, H, W) or (N, H, W, C) with C = 1 or 3 (channels last).` +
        (sh.length === 4 && (sh[1] === 1 || sh[1] === 3) ? ' It looks channels-first (N, C, H, W); transpose it with images.transpose(0, 2, 3, 1).' : ''),
    );
  }
  if (arr.dtype === 'float32') {
    const d = arr.data;
    const per = sh[1] * sh[2] * (sh.length === 4 ? sh[3] : 1);
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        throw new DataError('NON_FINITE', `'${key}' contains a NaN or infinite value in image ${Math.floor(i / per)}; all pixel values must be finite.`);
      }
    }
  }
  return arr;
}
