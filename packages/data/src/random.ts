/**
 * Seeded pseudo-random numbers, so shuffles and samples are reproducible
 * across runs and machines (no dependence on Math.random).
 */
import { DataError } from './errors.ts';

/**
 * mulberry32 — a 32-bit-state PRNG by Tommy Ettinger (public domain), as popularised in bryc's
 * "JavaScript PRNGs" (https://github.com/bryc/code/blob/master/jshash/PRNGs.md#mulberry32). Period 2^32;
 * fast and good enough for shuffling, resampling, seeded weights and benchmark inputs; not cryptographic.
 * medslim's one seeded generator: every package draws from it.
 * @param seed any number; reduced to an unsigned 32-bit integer (`seed >>> 0`), so seeds that agree
 *   modulo 2^32 give the same stream
 * @returns a function yielding floats uniformly in [0, 1) (multiples of 2^-32), same sequence for the same seed
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` seeded values uniform in [lo, hi) from {@link mulberry32}(seed), as float32. */
export function seededUniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + rand() * (hi - lo);
  return out;
}

/**
 * A seeded random permutation of 0…count−1 (forward Fisher–Yates with
 * {@link mulberry32}). Only the first `prefix` positions are settled, so
 * `permutation(c, s, k)` equals `permutation(c, s).subarray(0, k)` while doing
 * k swaps instead of c.
 * @param prefix how many leading entries to return (default count; clamped to count)
 * @throws DataError 'BAD_OPTION' if count/prefix is not a non-negative integer or seed not an integer.
 */
export function permutation(count: number, seed: number, prefix: number = count): Int32Array {
  checkCount(count, 'count');
  checkCount(prefix, 'n');
  if (!Number.isInteger(seed)) throw new DataError('BAD_OPTION', `seed must be an integer; got ${seed}.`);
  const k = Math.min(prefix, count);
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const rand = mulberry32(seed);
  for (let i = 0; i < k && i < count - 1; i++) {
    const j = i + Math.floor(rand() * (count - i));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order.slice(0, k);
}

/** @internal */
export function checkCount(v: number, field: string): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new DataError('BAD_OPTION', `${field} must be a non-negative integer; got ${v}.`);
  }
}
