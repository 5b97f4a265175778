/**
 * Seeded non-parametric percentile bootstrap confidence intervals.
 *
 * Reference: Efron & Tibshirani (1993), "An Introduction to the Bootstrap",
 * ch. 13 (percentile interval).
 */
import { EvalError } from './errors.ts';
import { percentile } from './percentile.ts';
import { mulberry32 } from '@medslim/data';
import { checkNonEmpty } from './validate.ts';

/** Options for {@link bootstrapCi} / {@link bootstrapCis}. */
export interface BootstrapOptions {
  /** Number of resamples B (positive integer). Default 1000. */
  iterations?: number;
  /** Seed for {@link mulberry32}; same seed → identical intervals. Default 0. */
  seed?: number;
  /** Two-sided coverage in (0, 1). Default 0.95. */
  level?: number;
}

/** A two-sided confidence interval; both ends NaN when no resample gave a defined statistic. */
export interface ConfidenceInterval {
  low: number;
  high: number;
}

function resolve(n: number, opts: BootstrapOptions | undefined): { iterations: number; seed: number; level: number } {
  checkNonEmpty(n, 'n');
  const iterations = opts?.iterations ?? 1000;
  const seed = opts?.seed ?? 0;
  const level = opts?.level ?? 0.95;
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new EvalError('INVALID_ARGUMENT', `bootstrap iterations must be a positive integer (e.g. 1000), got ${iterations}.`);
  }
  if (!Number.isFinite(seed)) {
    throw new EvalError('INVALID_ARGUMENT', `bootstrap seed must be a finite number, got ${seed}.`);
  }
  if (!(level > 0 && level < 1)) {
    throw new EvalError('INVALID_ARGUMENT', `bootstrap level must be in (0, 1) (e.g. 0.95, not 95), got ${level}.`);
  }
  return { iterations, seed, level };
}

/**
 * Percentile bootstrap CIs for several statistics computed on the **same**
 * resamples (one pass; use this when the statistics must be jointly
 * resampled, e.g. accuracy and AUC of one test set).
 *
 * Each of `iterations` resamples draws n indices uniformly with replacement
 * from [0, n) using {@link mulberry32}(seed) (`⌊u·n⌋`), and calls `stats(idx)`.
 * The CI of statistic j is the (1−level)/2 and (1+level)/2 percentiles
 * ({@link percentile}, linear interpolation) of its resampled values.
 * **NaN values are skipped** per statistic (e.g. AUC of a resample containing
 * one class only), so a CI may rest on fewer than `iterations` values; if every
 * resample is NaN the interval is `{low: NaN, high: NaN}`.
 *
 * @param n sample count N (>= 1); indices are in [0, n).
 * @param stats called once per resample with an Int32Array `[n]` of resampled
 *   indices (the buffer is reused between calls — copy it to keep it); returns
 *   the m statistic values, m fixed across calls.
 * @param opts iterations (default 1000), seed (default 0), level (default 0.95).
 * @returns m intervals, in the order of the values returned by `stats`.
 * @throws {EvalError} `EMPTY_INPUT` if n = 0; `INVALID_ARGUMENT` for bad options or if
 *   `stats` returns a different number of values on different calls.
 */
export function bootstrapCis(
  n: number,
  stats: (idx: Int32Array) => ArrayLike<number>,
  opts?: BootstrapOptions,
): ConfidenceInterval[] {
  const { iterations, seed, level } = resolve(n, opts);
  const rng = mulberry32(seed);
  const idx = new Int32Array(n);
  let samples: number[][] | null = null;
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < n; i++) idx[i] = Math.floor(rng() * n);
    const v = stats(idx);
    if (samples === null) samples = Array.from({ length: v.length }, () => []);
    if (v.length !== samples.length) {
      throw new EvalError(
        'INVALID_ARGUMENT',
        `bootstrap stats returned ${v.length} values on resample ${it} but ${samples.length} before; return a fixed number of statistics.`,
      );
    }
    for (let j = 0; j < v.length; j++) if (!Number.isNaN(v[j])) samples[j].push(v[j]);
  }
  const alpha = (1 - level) / 2;
  return (samples ?? []).map((vals) => {
    if (vals.length === 0) return { low: NaN, high: NaN };
    const sorted = Float64Array.from(vals).sort();
    return { low: percentile(sorted, 100 * alpha), high: percentile(sorted, 100 * (1 - alpha)) };
  });
}

/**
 * Seeded percentile bootstrap CI (default 95%) of one statistic; see
 * {@link bootstrapCis} for the resampling scheme and NaN skipping.
 *
 * @param n sample count N (>= 1).
 * @param stat statistic of a resample, given its Int32Array `[n]` of indices into the
 *   original data (buffer reused between calls); return NaN when undefined.
 * @param opts iterations (default 1000), seed (default 0), level (default 0.95).
 * @returns `{low, high}`; both NaN if the statistic was NaN on every resample.
 * @throws {EvalError} `EMPTY_INPUT` if n = 0; `INVALID_ARGUMENT` for bad options.
 */
export function bootstrapCi(n: number, stat: (idx: Int32Array) => number, opts?: BootstrapOptions): ConfidenceInterval {
  return bootstrapCis(n, (idx) => [stat(idx)], opts)[0];
}
