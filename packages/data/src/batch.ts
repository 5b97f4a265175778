/** Deterministic batching and sampling of image indices. */
import { DataError } from './errors.ts';
import { checkCount, permutation } from './random.ts';

/** Options for {@link batchIndices}. */
export interface BatchOptions {
  /** Shuffle the order first (seeded Fisher–Yates). Default false: 0, 1, 2, … */
  shuffle?: boolean;
  /** Seed for the shuffle (integer). Default 0. Same seed → same order. */
  seed?: number;
  /** Drop a final batch smaller than batchSize. Default false. */
  dropLast?: boolean;
}

/**
 * Split indices 0…count−1 into batches (feed each to `toModelInput({indices})`).
 * Deterministic: the same arguments always give the same batches. Without
 * dropLast every index appears exactly once.
 * @returns batches of length batchSize; the last may be shorter unless dropLast
 * @throws DataError 'BAD_OPTION' for a negative/non-integer count, batchSize < 1, or a non-integer seed.
 */
export function batchIndices(count: number, batchSize: number, opts: BatchOptions = {}): Int32Array[] {
  checkCount(count, 'count');
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new DataError('BAD_OPTION', `batchSize must be a positive integer; got ${batchSize}.`);
  }
  const order = opts.shuffle ? permutation(count, opts.seed ?? 0) : takeFirst(count, count);
  const batches: Int32Array[] = [];
  for (let s = 0; s < count; s += batchSize) {
    const e = Math.min(s + batchSize, count);
    if (opts.dropLast && e - s < batchSize) break;
    batches.push(order.slice(s, e));
  }
  return batches;
}

/**
 * The first min(n, count) indices in order: 0, 1, …
 * @throws DataError 'BAD_OPTION' if count or n is not a non-negative integer.
 */
export function takeFirst(count: number, n: number): Int32Array {
  checkCount(count, 'count');
  checkCount(n, 'n');
  const k = Math.min(n, count);
  const out = new Int32Array(k);
  for (let i = 0; i < k; i++) out[i] = i;
  return out;
}

/**
 * A seeded random sample of min(n, count) distinct indices from 0…count−1:
 * the first n entries of the seeded permutation `permutation(count, seed)`, in
 * that (random) order. Used e.g. to pick 512 calibration images from the train split.
 * @throws DataError 'BAD_OPTION' if count or n is not a non-negative integer or seed is not an integer.
 */
export function sampleIndices(count: number, n: number, seed: number): Int32Array {
  return permutation(count, seed, n);
}
