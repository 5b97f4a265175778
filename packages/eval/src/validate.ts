/**
 * Internal argument checks shared by the metric functions. Not exported from
 * the package index. Every check throws {@link EvalError} with a message that
 * names the argument (`what`) and the fix.
 */
import { EvalError } from './errors.ts';

/** Number of classes must be an integer >= 2. */
export function checkNumClasses(k: number, what = 'k'): void {
  if (!Number.isInteger(k) || k < 2) {
    throw new EvalError(
      'INVALID_NUM_CLASSES',
      `${what} must be an integer number of classes >= 2, got ${k}; a classifier needs at least two classes (for a single-logit binary model, expand it to two logits [0, z]).`,
    );
  }
}

/** Sample count must be a positive integer. */
export function checkNonEmpty(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new EvalError('INVALID_ARGUMENT', `${what} must be a non-negative integer, got ${n}.`);
  }
  if (n === 0) {
    throw new EvalError('EMPTY_INPUT', `${what} is 0: there are no samples to evaluate; pass at least one sample.`);
  }
}

/** Two per-sample arrays must have equal length. */
export function checkSameLength(a: ArrayLike<unknown>, aName: string, b: ArrayLike<unknown>, bName: string): void {
  if (a.length !== b.length) {
    throw new EvalError(
      'LENGTH_MISMATCH',
      `${aName} has length ${a.length} but ${bName} has length ${b.length}; they must describe the same samples in the same order.`,
    );
  }
}

/** A row-major [n,k] buffer must have exactly n*k elements. */
export function checkMatrix(buf: ArrayLike<number>, what: string, n: number, k: number, nName = 'n'): void {
  if (buf.length !== n * k) {
    throw new EvalError(
      'LENGTH_MISMATCH',
      `${what} has length ${buf.length} but must be [${nName},K] row-major with ${nName}=${n}, K=${k} (${n * k} values); check that ${nName} and K match the buffer.`,
    );
  }
}

/** Every element must be finite (no NaN / ±Infinity). */
export function checkFinite(buf: ArrayLike<number>, what: string, k?: number): void {
  for (let i = 0; i < buf.length; i++) {
    const v = buf[i];
    if (!Number.isFinite(v)) {
      const where = k === undefined ? `index ${i}` : `row ${Math.floor(i / k)}, column ${i % k}`;
      throw new EvalError(
        'NON_FINITE',
        `${what} contains ${v} at ${where}; scores must be finite numbers — check the model output / preprocessing for overflow or NaN.`,
      );
    }
  }
}

/** Every class index must lie in [0, k). */
export function checkClassIndices(arr: Int32Array, what: string, k: number): void {
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (v < 0 || v >= k) {
      throw new EvalError(
        'OUT_OF_RANGE',
        `${what}[${i}] = ${v} is not a class index in [0, ${k}); labels and predictions must be 0-based class ids below K=${k}.`,
      );
    }
  }
}

/** A row-major score matrix `[n,k]` (logits or probabilities): k ≥ 2 classes, n ≥ 1 rows, n·k finite values. */
export function checkScores(buf: ArrayLike<number>, what: string, n: number, k: number): void {
  checkNumClasses(k);
  checkNonEmpty(n, 'n');
  checkMatrix(buf, what, n, k);
  checkFinite(buf, what, k);
}

/**
 * Scores `[N,k]` of labelled samples, N = labels.length ≥ 1: k ≥ 2 classes, N·k finite values, every label a
 * class index in [0, k). `labelsWhat` names the labels in messages (e.g. 'reference' for a reference's classes). Returns N.
 */
export function checkLabelledScores(buf: ArrayLike<number>, what: string, labels: Int32Array, k: number, labelsWhat = 'labels'): number {
  checkNumClasses(k);
  const n = labels.length;
  checkNonEmpty(n, `${labelsWhat}.length`);
  checkMatrix(buf, what, n, k, `N = ${labelsWhat}.length`);
  checkFinite(buf, what, k);
  checkClassIndices(labels, labelsWhat, k);
  return n;
}
