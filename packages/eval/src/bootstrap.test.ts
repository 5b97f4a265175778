import { describe, expect, it } from 'vitest';
import { bootstrapCi, bootstrapCis } from './bootstrap.ts';
import { mulberry32 } from '@medslim/data';
import { errorCode } from './test-utils.ts';

function data(n: number, seed: number): Float64Array {
  const rng = mulberry32(seed);
  return Float64Array.from({ length: n }, () => rng());
}
const meanOf = (x: Float64Array) => (idx: Int32Array) => {
  let s = 0;
  for (let i = 0; i < idx.length; i++) s += x[idx[i]];
  return s / idx.length;
};

describe('mulberry32', () => {
  it('is deterministic per seed, in [0,1), roughly uniform', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xa = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(xa);
    expect(Array.from({ length: 5 }, c)).not.toEqual(xa);
    const r = mulberry32(1);
    let sum = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < 100_000; i++) {
      const v = r();
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
  });
});

describe('bootstrapCi', () => {
  const x = data(200, 3);
  const point = meanOf(x)(Int32Array.from({ length: 200 }, (_, i) => i));

  it('same seed → identical CI; other seed → different CI', () => {
    const a = bootstrapCi(200, meanOf(x), { seed: 5 });
    const b = bootstrapCi(200, meanOf(x), { seed: 5 });
    const c = bootstrapCi(200, meanOf(x), { seed: 6 });
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('brackets the point estimate of a mean, about ±1.96·SE wide', () => {
    const ci = bootstrapCi(200, meanOf(x));
    expect(ci.low).toBeLessThan(point);
    expect(ci.high).toBeGreaterThan(point);
    // Uniform(0,1): sd ≈ 0.2887, SE = 0.2887/√200 ≈ 0.0204, 95% width ≈ 0.080.
    expect(ci.high - ci.low).toBeGreaterThan(0.06);
    expect(ci.high - ci.low).toBeLessThan(0.1);
  });

  it('is wider for smaller n and for higher level', () => {
    const small = data(25, 9);
    const large = data(400, 9);
    const w = (ci: { low: number; high: number }) => ci.high - ci.low;
    expect(w(bootstrapCi(25, meanOf(small)))).toBeGreaterThan(2 * w(bootstrapCi(400, meanOf(large))));
    expect(w(bootstrapCi(200, meanOf(x), { level: 0.5 }))).toBeLessThan(w(bootstrapCi(200, meanOf(x))));
  });

  it('skips NaN resamples; all-NaN gives a NaN interval', () => {
    let calls = 0;
    const ci = bootstrapCi(
      50,
      (idx) => {
        calls++;
        return calls % 2 === 0 ? NaN : meanOf(x)(idx);
      },
      { iterations: 200 },
    );
    expect(calls).toBe(200);
    expect(Number.isFinite(ci.low) && Number.isFinite(ci.high)).toBe(true);
    expect(bootstrapCi(10, () => NaN, { iterations: 20 })).toEqual({ low: NaN, high: NaN });
  });

  it('bootstrapCis evaluates all statistics on the same resamples', () => {
    // stat 2 = 2 × stat 1 on every resample → its CI is exactly twice the first.
    const [a, b] = bootstrapCis(200, (idx) => {
      const m = meanOf(x)(idx);
      return [m, 2 * m];
    });
    expect(b.low).toBeCloseTo(2 * a.low, 12);
    expect(b.high).toBeCloseTo(2 * a.high, 12);
    expect(a).toEqual(bootstrapCi(200, meanOf(x)));
  });

  it('rejects bad options with codes', () => {
    const code = errorCode;
    expect(code(() => bootstrapCi(0, () => 0))).toBe('EMPTY_INPUT');
    expect(code(() => bootstrapCi(5, () => 0, { iterations: 0 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => bootstrapCi(5, () => 0, { level: 95 }))).toBe('INVALID_ARGUMENT');
  });
});
