import { describe, expect, it } from 'vitest';
import { accumulate, entropyRange, percentileRange, type Histogram } from './histogram.ts';

function hist(values: number[], lo: number, hi: number, bins = 2048, skipZeros = false): Histogram {
  const h: Histogram = { counts: new Float64Array(bins), lo, hi, skipZeros };
  accumulate(h, Float32Array.from(values));
  return h;
}

describe('histogram range estimators', () => {
  it('percentile cuts the stated share from each tail', () => {
    // 0..9999 uniform: the 99 % two-sided range cuts 0.5 % (50 values) per side → ≈ [50, 9950].
    const values = Array.from({ length: 10000 }, (_, i) => i - 5000);
    const [lo, hi] = percentileRange(hist(values, -5000, 4999), 99);
    expect(lo).toBeCloseTo(-4950, -1);
    expect(hi).toBeCloseTo(4950, -1);
  });

  it('percentile keeps 0 as the floor of a non-negative tensor', () => {
    const values = [...Array(1000).fill(0), ...Array.from({ length: 1000 }, (_, i) => i / 100)];
    const [lo, hi] = percentileRange(hist(values, 0, 9.99), 99.9);
    expect(lo).toBe(0);
    expect(hi).toBeGreaterThan(9.9);
    expect(hi).toBeLessThanOrEqual(10);
  });

  it('entropy clips a long, sparse tail: the threshold lands well inside the observed max', () => {
    // 100k values ~ |N(0,1)| plus 5 outliers at 50.
    let s = 1;
    const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647);
    const values: number[] = [];
    for (let i = 0; i < 100000; i++) values.push(Math.abs(Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd())));
    for (let i = 0; i < 5; i++) values.push(50);
    const [lo, hi] = entropyRange(hist(values, 0, 50), 128);
    expect(lo).toBe(0);
    expect(hi).toBeGreaterThan(3); // keeps the bulk of N(0,1) (99.7 % within 3)
    expect(hi).toBeLessThan(10); // and drops the outliers at 50
  });

  it('entropy on a signed tensor gives a window symmetric around 0', () => {
    const values = Array.from({ length: 20001 }, (_, i) => (i - 10000) / 10000); // uniform [-1, 1]
    const [lo, hi] = entropyRange(hist(values, -1, 1), 128);
    expect(lo).toBeCloseTo(-hi, 2);
    expect(hi).toBeGreaterThan(0.9); // uniform data has no tail worth clipping
  });

  it('skipZeros leaves the ReLU spike out of the histogram', () => {
    const h = hist([0, 0, 0, 1, 2], 0, 2, 256, true);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(2);
  });
});
