import { describe, expect, it } from 'vitest';
import { confusionMatrix, perClassRates } from './confusion.ts';
import type { EvalError } from './errors.ts';

const i32 = (xs: number[]) => Int32Array.from(xs);

// 8 samples, 3 classes.
const labels = i32([0, 0, 0, 1, 1, 2, 2, 2]);
const pred = i32([0, 1, 0, 1, 2, 2, 2, 0]);

describe('confusionMatrix', () => {
  it('counts rows = true class, columns = predicted class', () => {
    expect(confusionMatrix(pred, labels, 3)).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [1, 0, 2],
    ]);
  });

  it('rejects ids outside [0, K)', () => {
    try {
      confusionMatrix(i32([0, 3]), i32([0, 1]), 3);
      expect.unreachable();
    } catch (e) {
      expect((e as EvalError).code).toBe('OUT_OF_RANGE');
      expect((e as EvalError).message).toMatch(/pred\[1\] = 3/);
    }
  });
});

describe('perClassRates', () => {
  it('matches hand-computed one-vs-rest rates', () => {
    // class 0: TP=2 FN=1 FP=1 (true 2 → 0) TN=4 → sens 2/3, spec 4/5
    // class 1: TP=1 FN=1 FP=1 (true 0 → 1) TN=5 → sens 1/2, spec 5/6
    // class 2: TP=2 FN=1 FP=1 (true 1 → 2) TN=4 → sens 2/3, spec 4/5
    const r = perClassRates(pred, labels, 3);
    expect(r.map((x) => x.label)).toEqual([0, 1, 2]);
    expect(r.map((x) => x.support)).toEqual([3, 2, 3]);
    expect(r[0].sensitivity).toBeCloseTo(2 / 3, 12);
    expect(r[0].specificity).toBeCloseTo(4 / 5, 12);
    expect(r[1].sensitivity).toBeCloseTo(1 / 2, 12);
    expect(r[1].specificity).toBeCloseTo(5 / 6, 12);
    expect(r[2].sensitivity).toBeCloseTo(2 / 3, 12);
    expect(r[2].specificity).toBeCloseTo(4 / 5, 12);
  });

  it('is NaN when a denominator is zero', () => {
    // No true class-2 samples → its sensitivity is undefined; it is never predicted → spec 1.
    const r = perClassRates(i32([0, 1, 1]), i32([0, 1, 0]), 3);
    expect(r[2].sensitivity).toBeNaN();
    expect(r[2].specificity).toBe(1);
    expect(r[2].support).toBe(0);
    // All samples are class 0 → class 0 specificity undefined.
    expect(perClassRates(i32([0, 1]), i32([0, 0]), 2)[0].specificity).toBeNaN();
  });
});
