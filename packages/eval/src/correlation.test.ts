import { describe, expect, it } from 'vitest';
import { averageRanks, spearman } from './correlation.ts';
import { errorCode } from './test-utils.ts';

describe('averageRanks', () => {
  it('gives tied values the mean of the ranks they span', () => {
    expect([...averageRanks([30, 10, 20, 20])]).toEqual([3, 0, 1.5, 1.5]);
    expect([...averageRanks([5, 5, 5])]).toEqual([1, 1, 1]);
  });
});

describe('spearman', () => {
  it('is ±1 for monotone relations, whatever their shape', () => {
    expect(spearman([1, 2, 3, 4], [1, 8, 27, 64])).toBe(1);
    expect(spearman([1, 2, 3, 4], [0.4, 0.3, 0.2, -5])).toBe(-1);
  });
  it('matches the textbook example (IQ vs hours of TV, 10 people): ρ = −29/165', () => {
    // Wikipedia, "Spearman's rank correlation coefficient", example: Σd² = 194, ρ = 1 − 6·194 / (10·99) = −29/165.
    const iq = [106, 86, 100, 101, 99, 103, 97, 113, 112, 110];
    const tv = [7, 0, 27, 50, 28, 29, 20, 12, 6, 17];
    expect(spearman(iq, tv)).toBeCloseTo(-29 / 165, 12);
  });
  it('uses average ranks for ties: [1, 2, 2, 3] vs [1, 2, 3, 4] is 3/√10 (scipy.stats.spearmanr: 0.9486832980505138)', () => {
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(3 / Math.sqrt(10), 12);
  });
  it('is NaN when one side is constant, and refuses bad input', () => {
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(errorCode(() => spearman([1, 2], [1, 2, 3]))).toBe('LENGTH_MISMATCH');
    expect(errorCode(() => spearman([], []))).toBe('EMPTY_INPUT');
    expect(errorCode(() => spearman([1, NaN], [1, 2]))).toBe('NON_FINITE');
  });
});
