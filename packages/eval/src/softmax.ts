/**
 * Row-wise softmax and argmax over row-major `[N,K]` score matrices.
 */
import { checkScores } from './validate.ts';

/**
 * Numerically stable row-wise softmax.
 *
 * For each row r: `p[r,j] = exp(z[r,j] - max_j z[r,j]) / Σ_j exp(z[r,j] - max_j z[r,j])`
 * (max-subtraction so large logits do not overflow). Computed in float64, stored
 * as float32.
 *
 * @param logits `[n,k]` row-major Float32Array of raw class scores.
 * @param n number of rows (samples), >= 1.
 * @param k number of classes, >= 2.
 * @returns new `[n,k]` row-major Float32Array; each row is non-negative and sums to 1 (up to float32 rounding).
 * @throws {EvalError} `LENGTH_MISMATCH` if `logits.length !== n*k`; `INVALID_NUM_CLASSES` if k < 2;
 *   `EMPTY_INPUT` if n = 0; `NON_FINITE` if any logit is NaN or ±Infinity.
 */
export function softmax(logits: Float32Array, n: number, k: number): Float32Array {
  checkScores(logits, 'logits', n, k);
  const out = new Float32Array(n * k);
  for (let r = 0; r < n; r++) {
    const base = r * k;
    let max = -Infinity;
    for (let j = 0; j < k; j++) if (logits[base + j] > max) max = logits[base + j];
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(logits[base + j] - max);
    for (let j = 0; j < k; j++) out[base + j] = Math.exp(logits[base + j] - max) / sum;
  }
  return out;
}

/**
 * Row-wise one-vs-rest log-odds in float64, the ranking score AUC uses.
 *
 * For each row r and class c: `s[r,c] = log(p_c / (1 − p_c)) = z_c − log Σ_{j≠c} exp(z_j)` with
 * p = softmax(z), computed in float64 from the logits (never through probabilities). It is a strictly
 * increasing function of p_c, so it ranks samples exactly as p_c does, but it does not saturate: float32
 * softmax rounds every logit margin above ~17 to p = 1.0 and ties confident rows (margins 30, 25, 20
 * against 18 would all read 1.0), and even float64 log-softmax rounds margins above ~37 to 0. For K = 2
 * the score of class 1 is exactly the logit difference z₁ − z₀.
 *
 * @param logits `[n,k]` row-major raw class scores (Float32Array or Float64Array).
 * @param n number of rows, >= 1.
 * @param k number of classes, >= 2.
 * @returns new `[n,k]` row-major Float64Array of log-odds.
 * @throws {EvalError} `LENGTH_MISMATCH` if `logits.length !== n*k`; `INVALID_NUM_CLASSES` if k < 2;
 *   `EMPTY_INPUT` if n = 0; `NON_FINITE` if any logit is NaN or ±Infinity.
 */
export function logOdds(logits: Float32Array | Float64Array, n: number, k: number): Float64Array {
  checkScores(logits, 'logits', n, k);
  const out = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    const base = r * k;
    for (let c = 0; c < k; c++) {
      let max = -Infinity;
      for (let j = 0; j < k; j++) if (j !== c && logits[base + j] > max) max = logits[base + j];
      let sum = 0;
      for (let j = 0; j < k; j++) if (j !== c) sum += Math.exp(logits[base + j] - max);
      out[base + c] = logits[base + c] - max - Math.log(sum);
    }
  }
  return out;
}

/**
 * Row-wise argmax (top-1 class). Ties resolve to the lowest column index
 * (same as `numpy.argmax`).
 *
 * @param rows `[n,k]` row-major scores (logits or probabilities).
 * @param n number of rows, >= 1.
 * @param k number of columns (classes), >= 2.
 * @returns Int32Array of length n with values in [0, k).
 * @throws {EvalError} `LENGTH_MISMATCH` if `rows.length !== n*k`; `INVALID_NUM_CLASSES` if k < 2;
 *   `EMPTY_INPUT` if n = 0; `NON_FINITE` if any value is NaN or ±Infinity.
 */
export function argmax(rows: Float32Array, n: number, k: number): Int32Array {
  checkScores(rows, 'rows', n, k);
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const base = r * k;
    let best = 0;
    let bestV = rows[base];
    for (let j = 1; j < k; j++) {
      if (rows[base + j] > bestV) {
        bestV = rows[base + j];
        best = j;
      }
    }
    out[r] = best;
  }
  return out;
}
