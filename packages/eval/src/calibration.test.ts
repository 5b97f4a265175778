import { describe, expect, it } from 'vitest';
import { expectedCalibrationError, fitDecisionOffsets, fitTemperature } from './calibration.ts';
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


describe('fitDecisionOffsets (predicted-class rates matched to a reference)', () => {
  it('known answer, K = 2: margins z0 − z1 = 3, 1, −1, −2, −4 and a reference predicting class 0 three times → boundary midway between −1 and −2', () => {
    const margins = [3, 1, -1, -2, -4];
    const logits = Float32Array.from(margins.flatMap((d) => [d, 0]));
    const reference = i32([0, 0, 0, 1, 1]);
    const r = fitDecisionOffsets(logits, reference, 2);
    // b0 − b1 = 1.5 puts the boundary at margin −1.5; centred: b = [0.75, −0.75].
    expect(r.offsets[0]).toBeCloseTo(0.75, 12);
    expect(r.offsets[1]).toBeCloseTo(-0.75, 12);
    expect(r.countsBefore).toEqual([2, 3]);
    expect(r.countsAfter).toEqual([3, 2]);
    expect(r.referenceCounts).toEqual([3, 2]);
  });

  it('a model already predicting the reference\'s rates keeps its decisions; a class the reference never predicts keeps offset 0', () => {
    const logits = Float32Array.from([2, 0, 0, 2, 1, 0, 0, 1]);
    const same = fitDecisionOffsets(logits, i32([0, 1, 0, 1]), 2);
    expect(same.countsAfter).toEqual([2, 2]);
    expect(same.offsets).toEqual([0, 0]);
    const never = fitDecisionOffsets(logits, i32([1, 1, 1, 1]), 2);
    expect(never.offsets).toEqual([0, 0]);
  });

  it('K = 3: a constant lean toward class 2 is removed (counts match the reference exactly)', () => {
    // 30 rows: true scores put 10 rows in each class by a margin of 1; the model adds +2.5 to class 2.
    const rows: number[] = [];
    const reference: number[] = [];
    for (let i = 0; i < 30; i++) {
      const c = i % 3;
      const z = [0, 0, 0];
      z[c] = 1 + (i / 30);
      z[2] += 2.5;
      rows.push(...z);
      reference.push(c);
    }
    const r = fitDecisionOffsets(Float32Array.from(rows), i32(reference), 3);
    expect(r.countsBefore).toEqual([0, 0, 30]);
    expect(r.countsAfter).toEqual([10, 10, 10]);
    expect(r.offsets.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
  });

  it('refuses bad input with the field named', () => {
    const code = errorCode;
    expect(code(() => fitDecisionOffsets(Float32Array.from([1, 0]), i32([0, 1]), 2))).toBe('LENGTH_MISMATCH');
    expect(code(() => fitDecisionOffsets(Float32Array.from([1, 0]), i32([2]), 2))).toBe('OUT_OF_RANGE');
    expect(code(() => fitDecisionOffsets(Float32Array.from([NaN, 0]), i32([0]), 2))).toBe('NON_FINITE');
  });
});
