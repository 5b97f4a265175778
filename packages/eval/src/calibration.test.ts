import { describe, expect, it } from 'vitest';
import { expectedCalibrationError, fitTemperature } from './calibration.ts';
import { errorCode } from './test-utils.ts';

const i32 = (xs: number[]) => Int32Array.from(xs);

describe('expectedCalibrationError', () => {
  it('matches a hand-computed two-bin case (15 bins)', () => {
    // 5 samples at confidence 0.9 (bin 13 = (13/15, 14/15]), 4 correct: |0.8 − 0.9| = 0.1
    // 5 samples at confidence 0.65 (bin 9 = (9/15, 10/15]), 2 correct: |0.4 − 0.65| = 0.25
    // ECE = 5/10 · 0.1 + 5/10 · 0.25 = 0.175
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 5; i++) {
      rows.push([0.1, 0.9]); // predicts class 1
      labels.push(i < 4 ? 1 : 0);
    }
    for (let i = 0; i < 5; i++) {
      rows.push([0.65, 0.35]); // predicts class 0
      labels.push(i < 2 ? 0 : 1);
    }
    expect(expectedCalibrationError(Float32Array.from(rows.flat()), i32(labels), 2)).toBeCloseTo(0.175, 6);
  });

  it('uses right-closed bins (i/B, (i+1)/B] and puts confidence 1 in the last bin', () => {
    // bins = 4 → edges 0.25, 0.5, 0.75, 1 (exact in float32). acc − conf has mixed signs so grouping matters:
    //   A: conf 0.5   correct → bin (0.25, 0.5]
    //   B: conf 0.625 wrong   → bin (0.5, 0.75]
    //   C: conf 1     wrong   → bin (0.75, 1]
    //   D: conf 0.875 correct → bin (0.75, 1]
    // ECE = 1/4·|1 − 0.5| + 1/4·|0 − 0.625| + 2/4·|0.5 − 0.9375| = 0.125 + 0.15625 + 0.21875 = 0.5
    // (left-closed bins would give 0.25; dropping conf = 1 from the last bin would give 0.5625)
    const probs = Float32Array.from([0.5, 0.5, 0.625, 0.375, 0, 1, 0.125, 0.875]);
    const labels = i32([0, 1, 0, 1]); // argmax: 0 (tie → lowest), 0, 1, 1
    expect(expectedCalibrationError(probs, labels, 2, 4)).toBeCloseTo(0.5, 12);
  });

  it('is 0 for a perfectly calibrated bin', () => {
    // 4 samples at confidence 0.75, 3 correct → acc 0.75 = conf.
    const probs = Float32Array.from([0.75, 0.25, 0.75, 0.25, 0.75, 0.25, 0.75, 0.25]);
    expect(expectedCalibrationError(probs, i32([0, 0, 0, 1]), 2)).toBeCloseTo(0, 12);
  });

  it('rejects logits (values outside [0,1]), bad bins and NaN', () => {
    const code = errorCode;
    expect(code(() => expectedCalibrationError(Float32Array.from([2, -1]), i32([0]), 2))).toBe('OUT_OF_RANGE');
    expect(code(() => expectedCalibrationError(Float32Array.from([0.5, 0.5]), i32([0]), 2, 0))).toBe('INVALID_ARGUMENT');
    expect(code(() => expectedCalibrationError(Float32Array.from([NaN, 0.5]), i32([0]), 2))).toBe('NON_FINITE');
  });
});

describe('fitTemperature (Guo et al. 2017 temperature scaling)', () => {
  it('known answer: every row has logits [0, 4] and 80 % are class 1 → sigmoid(4/T) = 0.8, T = 4 / ln 4', () => {
    const n = 100;
    const logits = Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 === 1 ? 4 : 0));
    const labels = Int32Array.from({ length: n }, (_, i) => (i < 80 ? 1 : 0));
    expect(fitTemperature(logits, labels, 2)).toBeCloseTo(4 / Math.log(4), 5);
  });

  it('already calibrated logits give T ≈ 1 (labels drawn from softmax(z))', () => {
    // Three classes, logits z = [0, 1, 2] on every row: label frequencies exactly softmax(z) over 1000 rows.
    const p = [1, Math.E, Math.E ** 2].map((v, _, a) => v / (1 + Math.E + Math.E ** 2));
    const counts = p.map((x) => Math.round(x * 1000));
    const labels = Int32Array.from(counts.flatMap((c, cls) => Array(c).fill(cls)));
    const logits = Float32Array.from({ length: labels.length * 3 }, (_, i) => i % 3);
    expect(fitTemperature(logits, labels, 3)).toBeCloseTo(1, 2);
  });
});

