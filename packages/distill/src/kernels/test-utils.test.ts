import { describe, expect, it } from 'vitest';
import { ATOL, TOL, worstElement } from './test-utils.ts';

describe('gradient-check tolerance (per element)', () => {
  // A small gradient: the old check (max |Δ| ≤ 1e-4 · max(1, max |ref|)) allowed |Δ| up to 1e-4 on every element.
  const ref = Float32Array.from([1e-3, -4e-4, 2e-5]);
  it('passes float32-sized differences', () => {
    expect(worstElement(ref.map((v) => v * (1 + 2e-5)), ref, TOL, ATOL).ratio).toBeLessThanOrEqual(1);
  });
  it('fails a 50 % error on one small element that the old absolute floor let through', () => {
    const off = ref.slice();
    off[2] = 3e-5; // |Δ| = 1e-5 ≤ 1e-4 (old bound); new bound 1e-4 · 2e-5 + 1e-5 · 1e-3 ≈ 1.2e-8
    const w = worstElement(off, ref, TOL, ATOL);
    expect(w.index).toBe(2);
    expect(w.ratio).toBeGreaterThan(100);
  });
  it('NaN in one place only fails; NaN in both passes', () => {
    expect(worstElement(Float32Array.from([NaN, 1]), Float32Array.from([NaN, 1]), TOL, ATOL).ratio).toBe(0);
    expect(worstElement(Float32Array.from([1, 1]), Float32Array.from([NaN, 1]), TOL, ATOL).ratio).toBe(Infinity);
  });
});
