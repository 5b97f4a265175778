import { describe, expect, it } from 'vitest';
import { accuracy, agreement } from './accuracy.ts';
import { EvalError } from './errors.ts';

const i32 = (xs: number[]) => Int32Array.from(xs);

describe('accuracy / agreement', () => {
  it('accuracy is the fraction of matching labels', () => {
    expect(accuracy(i32([0, 1, 1, 2, 0]), i32([0, 1, 0, 2, 2]))).toBeCloseTo(3 / 5, 12);
  });

  it('agreement is the fraction of equal top-1 predictions', () => {
    expect(agreement(i32([1, 1, 0, 0]), i32([1, 0, 0, 0]))).toBe(0.75);
    expect(agreement(i32([2, 2]), i32([2, 2]))).toBe(1);
  });

  it('length mismatch and empty input throw EvalError with codes', () => {
    expect(() => accuracy(i32([0, 1]), i32([0]))).toThrow(EvalError);
    expect(() => accuracy(i32([0, 1]), i32([0]))).toThrow(/pred has length 2 but labels has length 1/);
    try {
      agreement(i32([]), i32([]));
      expect.unreachable();
    } catch (e) {
      expect((e as EvalError).code).toBe('EMPTY_INPUT');
    }
  });
});
