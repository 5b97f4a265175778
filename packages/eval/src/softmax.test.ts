import { describe, expect, it } from 'vitest';
import { EvalError } from './errors.ts';
import { argmax, softmax } from './softmax.ts';
import { thrownBy } from '../../../tests/helpers/thrown.ts';

describe('softmax', () => {
  it('maps [0, ln 3] to [0.25, 0.75]', () => {
    const p = softmax(new Float32Array([0, Math.log(3)]), 1, 2);
    expect(p[0]).toBeCloseTo(0.25, 6);
    expect(p[1]).toBeCloseTo(0.75, 6);
  });

  it('rows sum to 1 and survive huge logits', () => {
    const logits = new Float32Array([1, 2, 3, -5, 0, 5, 1000, 1000, -1000, 88, 89, 90]);
    const p = softmax(logits, 4, 3);
    for (let r = 0; r < 4; r++) {
      const s = p[r * 3] + p[r * 3 + 1] + p[r * 3 + 2];
      expect(s).toBeCloseTo(1, 6);
    }
    // Row [1000, 1000, -1000] would overflow exp() without max subtraction.
    expect(p[6]).toBeCloseTo(0.5, 6);
    expect(p[7]).toBeCloseTo(0.5, 6);
    expect(p[8]).toBe(0);
  });

  it('rejects NaN, wrong length, K < 2 and empty input with codes', () => {
    const err = (f: () => unknown) => thrownBy(EvalError, f).code;
    expect(err(() => softmax(new Float32Array([0, NaN]), 1, 2))).toBe('NON_FINITE');
    expect(err(() => softmax(new Float32Array([0, 1, 2]), 2, 2))).toBe('LENGTH_MISMATCH');
    expect(err(() => softmax(new Float32Array([0]), 1, 1))).toBe('INVALID_NUM_CLASSES');
    expect(err(() => softmax(new Float32Array([]), 0, 2))).toBe('EMPTY_INPUT');
    expect(() => softmax(new Float32Array([0, NaN]), 1, 2)).toThrow(/logits contains NaN at row 0, column 1/);
  });
});

describe('argmax', () => {
  it('returns the top column per row, ties to the lowest index', () => {
    const rows = new Float32Array([0.1, 0.7, 0.2, 3, -1, 2, 5, 5, 1]);
    expect(Array.from(argmax(rows, 3, 3))).toEqual([1, 0, 0]);
  });
});
