import { describe, expect, it } from 'vitest';
import { accuracy, agreement } from './accuracy.ts';
import { rocAucFromLogits } from './auc.ts';
import { expectedCalibrationError } from './calibration.ts';
import { perClassRates } from './confusion.ts';
import type { EvalError } from './errors.ts';
import { evaluateClassifier, resampleStatistics } from './evaluate.ts';
import { mulberry32 } from '@medslim/data';
import { argmax, logOdds, softmax } from './softmax.ts';

const i32 = (xs: number[]) => Int32Array.from(xs);

/** Random K-class logits loosely correlated with random labels (deterministic). */
function synthetic(n: number, k: number, seed: number) {
  const rng = mulberry32(seed);
  const labels = new Int32Array(n);
  const logits = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    labels[i] = Math.floor(rng() * k);
    for (let j = 0; j < k; j++) logits[i * k + j] = 2 * (rng() - 0.5) + (j === labels[i] ? 1.2 : 0);
  }
  return { labels, logits };
}

function gather(logits: Float32Array, labels: Int32Array, k: number, idx: Int32Array) {
  const l = new Float32Array(idx.length * k);
  const y = new Int32Array(idx.length);
  idx.forEach((s, r) => {
    y[r] = labels[s];
    for (let j = 0; j < k; j++) l[r * k + j] = logits[s * k + j];
  });
  return { logits: l, labels: y };
}

describe('evaluateClassifier', () => {
  // Binary hand case: logit pairs [0, z], so P(class 1) = sigmoid(z).
  const z = [-2, -1, 0.5, 1, 3, -0.5];
  const labels = i32([0, 0, 0, 1, 1, 1]);
  const logits = Float32Array.from(z.flatMap((v) => [0, v]));
  // pred = [0, 0, 1, 1, 1, 0]: correct 0,1,3,4 → accuracy 4/6
  // AUC on z: pos {1, 3, −0.5} vs neg {−2, −1, 0.5}: 1 → 3, 3 → 3, −0.5 → 2 → 8/9
  const teacher = i32([0, 0, 1, 1, 1, 1]);

  it('computes the point metrics of a hand case', () => {
    const m = evaluateClassifier(logits, labels, 2, {
      referencePred: teacher,
      labelNames: ['normal', 'pneumonia'],
      bootstrap: { iterations: 200, seed: 1 },
    });
    expect(m.n).toBe(6);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.auc).toBeCloseTo(8 / 9, 12);
    expect(m.agreement).toBeCloseTo(5 / 6, 12);
    expect(m.confusion).toEqual([
      [2, 1],
      [1, 2],
    ]);
    expect(m.perClass.map((c) => c.label)).toEqual(['normal', 'pneumonia']);
    expect(m.perClass[1].sensitivity).toBeCloseTo(2 / 3, 12);
    expect(m.perClass[1].specificity).toBeCloseTo(2 / 3, 12);
    expect(m.perClass[0].support).toBe(3);
    const probs = softmax(logits, 6, 2);
    expect(m.ece).toBeCloseTo(expectedCalibrationError(probs, labels, 2), 12);
    expect(m.ci95.sensitivity).toHaveLength(2);
    for (const [lo, hi] of [m.ci95.accuracy, m.ci95.auc, m.ci95.ece, m.ci95.agreement!, ...m.ci95.sensitivity]) {
      expect(lo).toBeLessThanOrEqual(hi);
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic for a seed and omits agreement without a reference', () => {
    const a = evaluateClassifier(logits, labels, 2, { bootstrap: { iterations: 100, seed: 3 } });
    const b = evaluateClassifier(logits, labels, 2, { bootstrap: { iterations: 100, seed: 3 } });
    expect(b).toEqual(a);
    expect(a.agreement).toBeNull();
    expect(a.ci95.agreement).toBeNull();
    expect(a.perClass.map((c) => c.label)).toEqual(['0', '1']);
  });

  it('bootstrap statistics equal the public metrics on the same resample', () => {
    for (const k of [2, 3]) {
      const n = 120;
      const { labels: y, logits: l } = synthetic(n, k, 11 + k);
      const probs = softmax(l, n, k);
      const pred = argmax(l, n, k);
      const teacherPred = argmax(synthetic(n, k, 99).logits, n, k);
      const stats = resampleStatistics(probs, logOdds(l, n, k), pred, y, k, teacherPred);
      const rng = mulberry32(5);
      const identity = Int32Array.from({ length: n }, (_, i) => i);
      const resample = Int32Array.from({ length: n }, () => Math.floor(rng() * n));
      for (const idx of [identity, resample]) {
        const g = gather(l, y, k, idx);
        const gp = softmax(g.logits, n, k);
        const gpred = argmax(g.logits, n, k);
        const gteacher = Int32Array.from(idx, (s) => teacherPred[s]);
        const v = stats(idx);
        expect(v[0]).toBeCloseTo(accuracy(gpred, g.labels), 12);
        expect(v[1]).toBeCloseTo(rocAucFromLogits(g.logits, g.labels, k), 12);
        expect(v[2]).toBeCloseTo(expectedCalibrationError(gp, g.labels, k), 12);
        expect(v[3]).toBeCloseTo(agreement(gpred, gteacher), 12);
        const rates = perClassRates(gpred, g.labels, k);
        for (let c = 0; c < k; c++) expect(v[4 + c]).toBeCloseTo(rates[c].sensitivity, 12);
      }
    }
  });

  it('AUC known answer: logit margins 30, 25, 20 (positives) vs 18, −3 (negatives) rank perfectly (float32 softmax tied them: 0.75)', () => {
    const margins = [30, 25, 20, 18, -3];
    const y = i32([1, 1, 1, 0, 0]);
    const l = Float32Array.from(margins.flatMap((m) => [0, m]));
    // The saturation this replaces: float32 softmax reads the first four rows as exactly 1.0.
    const p = softmax(l, 5, 2);
    expect([p[1], p[3], p[5], p[7]]).toEqual([1, 1, 1, 1]);
    const m = evaluateClassifier(l, y, 2, { bootstrap: { iterations: 200, seed: 1 } });
    expect(m.auc).toBe(1);
    expect(m.ci95.auc).toEqual([1, 1]);
  });

  it('CIs bracket the point estimates on a larger set', () => {
    const { labels: y, logits: l } = synthetic(624, 2, 21);
    const m = evaluateClassifier(l, y, 2);
    expect(m.ci95.accuracy[0]).toBeLessThan(m.accuracy);
    expect(m.ci95.accuracy[1]).toBeGreaterThan(m.accuracy);
    expect(m.ci95.auc[0]).toBeLessThan(m.auc);
    expect(m.ci95.auc[1]).toBeGreaterThan(m.auc);
  });

  // Its speed (1,000 resamples on N=624 well under 1 s) is measured by bench/evaluate.ts, not asserted here.
  it('a model measured against its own predictions agrees on every resample: agreement 1, CI [1, 1]', () => {
    const { labels: y, logits: l } = synthetic(624, 2, 42);
    const m = evaluateClassifier(l, y, 2, { referencePred: argmax(l, 624, 2), bootstrap: { iterations: 1000, seed: 0 } });
    expect(m.agreement).toBe(1);
    expect(m.ci95.agreement).toEqual([1, 1]);
  });

  it('rejects bad input with clear codes', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return [(e as EvalError).name, (e as EvalError).code];
      }
      return 'no error';
    };
    expect(code(() => evaluateClassifier(logits.subarray(0, 10), labels, 2))).toEqual(['EvalError', 'LENGTH_MISMATCH']);
    expect(code(() => evaluateClassifier(new Float32Array(6), labels, 1))).toEqual(['EvalError', 'INVALID_NUM_CLASSES']);
    const bad = logits.slice();
    bad[3] = NaN;
    expect(code(() => evaluateClassifier(bad, labels, 2))).toEqual(['EvalError', 'NON_FINITE']);
    expect(code(() => evaluateClassifier(new Float32Array(0), i32([]), 2))).toEqual(['EvalError', 'EMPTY_INPUT']);
    expect(code(() => evaluateClassifier(logits, labels, 2, { referencePred: i32([0]) }))).toEqual([
      'EvalError',
      'LENGTH_MISMATCH',
    ]);
    expect(code(() => evaluateClassifier(logits, labels, 2, { labelNames: ['a'] }))).toEqual([
      'EvalError',
      'LENGTH_MISMATCH',
    ]);
    expect(code(() => evaluateClassifier(logits, i32([0, 0, 0, 1, 1, 2]), 2))).toEqual(['EvalError', 'OUT_OF_RANGE']);
    expect(() => evaluateClassifier(logits.subarray(0, 10), labels, 2)).toThrow(/N = labels.length = 6 and K = k = 2/);
  });
});
