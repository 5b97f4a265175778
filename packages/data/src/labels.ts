/** Class labels: integer class indices, one per image. */
import { DataError, formatShape } from './errors.ts';
import type { NdArray } from './ndarray.ts';

/**
 * Convert a label array to `Int32Array` class indices.
 *
 * Accepts shape `[N]` or `[N, 1]` (MedMNIST stores `[N, 1]`; it is flattened)
 * of any integer or bool dtype — int64/uint64 are range-checked into int32 —
 * or float with integral values. Labels must be ≥ 0; the upper bound is
 * checked by the caller against the number of classes.
 *
 * @param arr the labels array
 * @param where description used in messages, e.g. `"split 'train' (key 'train_labels')"`
 * @throws DataError 'BAD_LABELS' (wrong shape, e.g. multi-label `[N, K]`;
 *   non-integral or non-finite float), 'LABEL_OUT_OF_RANGE' (negative, or not
 *   representable as int32), each naming the index.
 */
export function toClassLabels(arr: NdArray, where: string): Int32Array {
  const s = arr.shape;
  if (!(s.length === 1 || (s.length === 2 && s[1] === 1))) {
    const multi = s.length === 2 ? ` (${s[1]} labels per image looks like a multi-label task, which is not supported)` : '';
    throw new DataError('BAD_LABELS', `labels in ${where} must have shape (N,) or (N, 1); found ${formatShape(s)}${multi}. Provide one integer class index per image.`);
  }
  const n = s[0];
  const out = new Int32Array(n);
  const bad = (i: number, v: number | bigint): never => {
    throw new DataError(
      'LABEL_OUT_OF_RANGE',
      `labels in ${where} must be class indices ≥ 0 that fit in int32; found ${v} at index ${i}. Check that the labels are class indices, not one-hot vectors or names.`,
    );
  };
  switch (arr.dtype) {
    case 'int64':
    case 'uint64': {
      const d = arr.data;
      for (let i = 0; i < n; i++) {
        const v = d[i];
        if (v < 0n || v > 2147483647n) bad(i, v);
        out[i] = Number(v);
      }
      break;
    }
    case 'float32':
    case 'float64': {
      const d = arr.data;
      for (let i = 0; i < n; i++) {
        const v = d[i];
        if (!Number.isInteger(v)) {
          throw new DataError(
            'BAD_LABELS',
            `labels in ${where} are ${arr.dtype} and must hold whole numbers; found ${v} at index ${i}. Store class indices as integers.`,
          );
        }
        if (v < 0 || v > 2147483647) bad(i, v);
        out[i] = v;
      }
      break;
    }
    default: {
      const d = arr.data;
      for (let i = 0; i < n; i++) {
        const v = d[i];
        if (v < 0 || v > 2147483647) bad(i, v);
        out[i] = v;
      }
    }
  }
  return out;
}

/**
 * Per-class counts: `counts[k]` = number of labels equal to k, for k in [0, numClasses).
 * @throws DataError 'LABEL_OUT_OF_RANGE' if a label is outside [0, numClasses).
 */
export function classCounts(labels: Int32Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v < 0 || v >= numClasses) {
      throw new DataError('LABEL_OUT_OF_RANGE', `labels must be in [0, ${numClasses}); found ${v} at index ${i}.`);
    }
    counts[v]++;
  }
  return counts;
}
