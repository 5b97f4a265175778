import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { kdLoss } from './loss.ts';
import { learningRate } from './optimizer.ts';
import { copyAugmented } from './augment.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('knowledge-distillation loss (Hinton et al. 2015)', () => {
  const s = tf.tensor2d([[2, 0], [0, 1]]);
  const t = tf.tensor2d([[1, 1], [4, 0]]);
  const y = tf.tensor1d([0, 1], 'int32');
  const ce = (-Math.log(Math.exp(2) / (Math.exp(2) + 1)) - Math.log(Math.exp(1) / (1 + Math.exp(1)))) / 2;
  const softmax = (a: number[]) => { const e = a.map(Math.exp); const z = e.reduce((p, q) => p + q); return e.map((v) => v / z); };
  const kl = (p: number[], q: number[]) => p.reduce((acc, pi, i) => acc + pi * Math.log(pi / q[i]), 0);

  it('α = 1 is plain cross-entropy (the no-teacher baseline)', () => {
    expect(kdLoss(s, t, y, { temperature: 4, alpha: 1 }).dataSync()[0]).toBeCloseTo(ce, 6);
    expect(kdLoss(s, null, y, { temperature: 4, alpha: 1 }).dataSync()[0]).toBeCloseTo(ce, 6);
  });

  it('mixes α·CE and (1 − α)·T²·KL(teacher_T ‖ student_T), batch mean', () => {
    const T = 4;
    const klMean = (kl(softmax([1 / T, 1 / T]), softmax([2 / T, 0])) + kl(softmax([4 / T, 0]), softmax([0, 1 / T]))) / 2;
    const expected = 0.1 * ce + 0.9 * T * T * klMean;
    expect(kdLoss(s, t, y, { temperature: T, alpha: 0.1 }).dataSync()[0]).toBeCloseTo(expected, 5);
  });

  it('the KL term is zero when the student equals the teacher', () => {
    expect(kdLoss(t, t, y, { temperature: 2, alpha: 0 }).dataSync()[0]).toBeCloseTo(0, 6);
  });
});

describe('schedule and augmentation', () => {
  it('cosine decays from the base rate to 0; step drops ×0.1 at 50 % and 75 %', () => {
    expect(learningRate(1e-3, 'cosine', 0, 100)).toBeCloseTo(1e-3, 12);
    expect(learningRate(1e-3, 'cosine', 50, 100)).toBeCloseTo(5e-4, 12);
    expect(learningRate(1e-3, 'cosine', 100, 100)).toBeCloseTo(0, 12);
    expect([0, 49, 50, 74, 75].map((s) => learningRate(1, 'step', s, 100))).toEqual([1, 1, 0.1, 0.1, 0.01].map((v) => v));
  });

  it('flip mirrors columns; a shift moves pixels and fills with the black value', () => {
    const img = Float32Array.of(1, 2, 3, 4, 5, 6); // 2×3×1
    const out = new Float32Array(6);
    copyAugmented(img, 0, out, 0, 2, 3, 1, true, 0, 0, [-1]);
    expect(Array.from(out)).toEqual([3, 2, 1, 6, 5, 4]);
    copyAugmented(img, 0, out, 0, 2, 3, 1, false, 1, 1, [-1]);
    expect(Array.from(out)).toEqual([-1, -1, -1, -1, 1, 2]);
  });
});
