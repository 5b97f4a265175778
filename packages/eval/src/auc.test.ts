import { describe, expect, it } from 'vitest';
import { rocAuc, rocAucFromLogits } from './auc.ts';
import { mulberry32 } from '@medslim/data';
import { errorCode } from './test-utils.ts';

const i32 = (xs: number[]) => Int32Array.from(xs);
/** Binary probs [N,2] with P(class 1) = s. */
const binary = (scores: number[]) => Float32Array.from(scores.flatMap((s) => [1 - s, s]));

/** O(P·Q) definition: P(pos > neg) + ½ P(tie). */
function naiveAuc(scores: number[], positive: boolean[]): number {
  let u = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!positive[i]) continue;
    for (let j = 0; j < scores.length; j++) {
      if (positive[j]) continue;
      pairs++;
      u += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return u / pairs;
}

describe('rocAuc (binary)', () => {
  it('counts ties as one half (hand-computed)', () => {
    // positives {0.35, 0.8, 0.4}, negatives {0.1, 0.4}; pairs (pos, neg):
    // 0.35: >0.1 → 1, <0.4 → 0;  0.8: > both → 2;  0.4: >0.1 → 1, =0.4 → 0.5
    // U = 4.5 over 3·2 = 6 pairs → 0.75
    expect(rocAuc(binary([0.1, 0.4, 0.35, 0.8, 0.4]), i32([0, 0, 1, 1, 1]), 2)).toBeCloseTo(0.75, 12);
  });

  it('perfect → 1, reversed → 0, all-equal → 0.5', () => {
    const labels = i32([0, 0, 1, 1, 1]);
    expect(rocAuc(binary([0.1, 0.2, 0.7, 0.8, 0.9]), labels, 2)).toBe(1);
    expect(rocAuc(binary([0.9, 0.8, 0.3, 0.2, 0.1]), labels, 2)).toBe(0);
    expect(rocAuc(binary([0.5, 0.5, 0.5, 0.5, 0.5]), labels, 2)).toBe(0.5);
  });

  it('is NaN when only one class is present', () => {
    expect(rocAuc(binary([0.1, 0.9]), i32([1, 1]), 2)).toBeNaN();
  });

  it('matches the O(N²) pairwise definition on random tied scores', () => {
    const rng = mulberry32(7);
    const n = 300;
    const scores = Array.from({ length: n }, () => Math.round(rng() * 20) / 20);
    const labels = Array.from({ length: n }, (_, i) => (rng() < 0.3 + 0.4 * scores[i] ? 1 : 0));
    const f32 = Array.from(Float32Array.from(scores)); // compare on the same float32 values
    const expected = naiveAuc(f32, labels.map((l) => l === 1));
    expect(rocAuc(binary(scores), i32(labels), 2)).toBeCloseTo(expected, 12);
  });
});

describe('rocAuc (multi-class, macro one-vs-rest)', () => {
  // labels [0,0,1,1,2,2]; one row per sample.
  const probs = Float32Array.from([
    [0.6, 0.3, 0.1],
    [0.3, 0.4, 0.3],
    [0.2, 0.5, 0.3],
    [0.5, 0.2, 0.3],
    [0.1, 0.2, 0.7],
    [0.4, 0.3, 0.3],
  ].flat());
  const labels = i32([0, 0, 1, 1, 2, 2]);

  it('averages hand-computed one-vs-rest AUCs', () => {
    // class 0: pos {0.6, 0.3} vs neg {0.2, 0.5, 0.1, 0.4}: 0.6 → 4, 0.3 → 2        → 6/8   = 0.75
    // class 1: pos {0.5, 0.2} vs neg {0.3, 0.4, 0.2, 0.3}: 0.5 → 4, 0.2 → tie ½     → 4.5/8 = 0.5625
    // class 2: pos {0.7, 0.3} vs neg {0.1, 0.3, 0.3, 0.3}: 0.7 → 4, 0.3 → 1 + 3·½   → 6.5/8 = 0.8125
    // macro = (0.75 + 0.5625 + 0.8125) / 3 = 0.708333…
    expect(rocAuc(probs, labels, 3)).toBeCloseTo(2.125 / 3, 12);
  });

  it('averages only over classes with positives and negatives', () => {
    // Keep the first 4 samples: class 2 has no positives and is left out of the mean.
    const p4 = probs.subarray(0, 12);
    const l4 = labels.subarray(0, 4);
    // class 0: pos {0.6, 0.3} vs neg {0.2, 0.5}: 0.6 → 2, 0.3 → 1 → 3/4
    // class 1: pos {0.5, 0.2} vs neg {0.3, 0.4}: 0.5 → 2, 0.2 → 0 → 2/4
    expect(rocAuc(p4, l4, 3)).toBeCloseTo((0.75 + 0.5) / 2, 12);
  });
});

describe('rocAuc errors', () => {
  const code = errorCode;
  it('NaN scores, length mismatch, K < 2', () => {
    expect(code(() => rocAuc(binary([0.1, NaN]), i32([0, 1]), 2))).toBe('NON_FINITE');
    expect(code(() => rocAuc(binary([0.1, 0.2, 0.3]), i32([0, 1]), 2))).toBe('LENGTH_MISMATCH');
    expect(code(() => rocAuc(new Float32Array([0.1, 0.2]), i32([0, 0]), 1))).toBe('INVALID_NUM_CLASSES');
    expect(code(() => rocAuc(new Float32Array([]), i32([]), 2))).toBe('EMPTY_INPUT');
  });
});

describe('rocAucFromLogits (float64 log-odds ranking)', () => {
  it('known answer: margins 30, 25, 20 vs 18, −3 give 1.0 (float32 softmax probabilities tie them at 1.0 and give 0.75)', () => {
    const logits = Float32Array.from([30, 25, 20, 18, -3].flatMap((m) => [0, m]));
    const labels = i32([1, 1, 1, 0, 0]);
    expect(rocAucFromLogits(logits, labels, 2)).toBe(1);
    // The old computation, for the record: P(class 1) in float32.
    const p = Float32Array.from([30, 25, 20, 18, -3].flatMap((m) => { const q = 1 / (1 + Math.exp(-m)); return [1 - q, q]; }));
    expect(rocAuc(p, labels, 2)).toBe(0.75);
  });

  it('does not saturate where float64 log-softmax would (margins 60 vs 45 differ only below 1e-19)', () => {
    expect(rocAucFromLogits(Float32Array.from([0, 60, 0, 45]), i32([1, 0]), 2)).toBe(1);
  });

  it('multi-class: one-vs-rest log-odds keep the order of confident rows', () => {
    // Class 2 scores: 40 and 35 for its positives, 30 for a negative — all p ≈ 1 in float32.
    const logits = Float32Array.from([0, 0, 40, 0, 0, 35, 0, 0, 30, 50, 0, 0, 0, 50, 0]);
    const labels = i32([2, 2, 0, 0, 1]);
    // Class 2 log-odds: 40 − ln 2, 35 − ln 2 (positives) vs 30 − ln 2, −50, −50; classes 0 and 1 separate likewise.
    expect(rocAucFromLogits(logits, labels, 3)).toBe(1);
  });
});
