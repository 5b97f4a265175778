/**
 * Percentiles of sorted samples.
 */
import { EvalError } from './errors.ts';

/**
 * p-th percentile of ascending-sorted values by **linear interpolation**
 * between closest ranks: with h = (n−1)·p/100, result = x[⌊h⌋] + (h−⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
 * This is Hyndman & Fan (1996) definition 7, the default of NumPy
 * `percentile` / R `quantile`. p = 0 → minimum, p = 100 → maximum.
 *
 * @param sorted values sorted ascending (e.g. latencies in ms); not modified.
 * @param p percentile in [0, 100] (50 = median, 95, 99...).
 * @returns the interpolated value, in the units of `sorted`.
 * @throws {EvalError} `EMPTY_INPUT` if `sorted` is empty; `INVALID_ARGUMENT` if p is outside
 *   [0, 100] or `sorted` is not ascending (sort first: `Float64Array.from(xs).sort()`);
 *   `NON_FINITE` if it contains NaN.
 */
export function percentile(sorted: Float64Array | readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) throw new EvalError('EMPTY_INPUT', 'percentile: sorted is empty; pass at least one value.');
  if (!(p >= 0 && p <= 100)) {
    throw new EvalError('INVALID_ARGUMENT', `percentile: p must be in [0, 100] (e.g. 95, not 0.95), got ${p}.`);
  }
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(sorted[i])) {
      throw new EvalError('NON_FINITE', `percentile: sorted[${i}] is NaN; remove NaN values before taking percentiles.`);
    }
    if (i > 0 && sorted[i] < sorted[i - 1]) {
      throw new EvalError(
        'INVALID_ARGUMENT',
        `percentile: sorted is not ascending at index ${i} (${sorted[i - 1]} > ${sorted[i]}); sort the values first.`,
      );
    }
  }
  const h = ((n - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
