/**
 * Rank correlation: Spearman's ρ with tied values given their average rank (the definition scipy.stats.spearmanr
 * and R's cor(method = "spearman") use), i.e. Pearson's correlation of the average ranks.
 */
import { checkFinite, checkNonEmpty, checkSameLength } from './validate.ts';

/**
 * 0-based ranks of `x` in ascending order; equal values share the mean of the ranks they span
 * (e.g. [10, 20, 20, 30] → [0, 1.5, 1.5, 3]).
 * @param x `[N]` finite values.
 * @returns Float64Array `[N]`.
 * @throws {EvalError} `NON_FINITE` for NaN/±Inf.
 */
export function averageRanks(x: ArrayLike<number>): Float64Array {
  checkFinite(x, 'x');
  const idx = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Float64Array(x.length);
  for (let s = 0; s < idx.length;) {
    let e = s;
    while (e + 1 < idx.length && x[idx[e + 1]] === x[idx[s]]) e++;
    for (let q = s; q <= e; q++) r[idx[q]] = (s + e) / 2;
    s = e + 1;
  }
  return r;
}

/**
 * Spearman's rank correlation ρ of paired samples, in [−1, 1]; NaN when either side is constant (no ranking).
 * @param a `[N]` finite values; @param b `[N]` finite values, paired with `a` by index.
 * @throws {EvalError} `LENGTH_MISMATCH` if lengths differ, `EMPTY_INPUT` if N = 0, `NON_FINITE` for NaN/±Inf.
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkSameLength(a, 'a', b, 'b');
  checkNonEmpty(a.length, 'a.length');
  const ra = averageRanks(a), rb = averageRanks(b), m = (a.length - 1) / 2; // mean rank, ties or not
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < ra.length; i++) { sab += (ra[i] - m) * (rb[i] - m); saa += (ra[i] - m) ** 2; sbb += (rb[i] - m) ** 2; }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}
