import { describe, expect, it } from 'vitest';
import { percentile } from './percentile.ts';
import { errorCode } from './test-utils.ts';

describe('percentile (linear interpolation, NumPy default)', () => {
  const x = Array.from({ length: 10 }, (_, i) => i + 1); // 1..10

  it('matches numpy.percentile values', () => {
    // numpy.percentile(np.arange(1, 11), [0, 50, 95, 99, 100]) = [1, 5.5, 9.55, 9.91, 10]
    expect(percentile(x, 0)).toBe(1);
    expect(percentile(x, 50)).toBeCloseTo(5.5, 12);
    expect(percentile(x, 95)).toBeCloseTo(9.55, 12);
    expect(percentile(Float64Array.from(x), 99)).toBeCloseTo(9.91, 12);
    expect(percentile(x, 100)).toBe(10);
    expect(percentile([7], 42)).toBe(7);
  });

  it('rejects empty, unsorted and out-of-range p', () => {
    const code = errorCode;
    expect(code(() => percentile([], 50))).toBe('EMPTY_INPUT');
    expect(code(() => percentile([2, 1], 50))).toBe('INVALID_ARGUMENT');
    expect(code(() => percentile([1, 2], 101))).toBe('INVALID_ARGUMENT');
  });
});
