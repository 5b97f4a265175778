import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTfjsGradients } from './backend/gradients.ts';
import { kdLoss } from './loss.ts';
import { learningRate } from './optimizer.ts';
import { copyAugmented, jitterInPlace, mixInto, sampleBeta } from './augment.ts';
import { mulberry32 } from '@medslim/data';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await ensureTfjsGradients();
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

  it("'logit-mse' is α·CE + (1 − α)·mean over classes of the squared logit difference, batch mean; T plays no part", () => {
    // Squared differences: row 0 (2−1)², (0−1)² → mean 1; row 1 (0−4)², (1−0)² → mean 8.5; batch mean 4.75.
    expect(kdLoss(s, t, y, { temperature: 4, alpha: 0, soft: 'logit-mse' }).dataSync()[0]).toBeCloseTo(4.75, 5);
    expect(kdLoss(s, t, y, { temperature: 1, alpha: 0.1, soft: 'logit-mse' }).dataSync()[0]).toBeCloseTo(0.1 * ce + 0.9 * 4.75, 5);
    expect(kdLoss(s, t, y, { temperature: 4, alpha: 1, soft: 'logit-mse' }).dataSync()[0]).toBeCloseTo(ce, 6);
  });

  it("'logit-mse' gradient is 2/(N·K)·(z_s − z_t) at α = 0; the T²-scaled KL's approaches 1/(N·K)·(z_s − z_t) as T grows (zero-mean logits)", () => {
    const zs = tf.tensor2d([[0.5, -0.5], [-1, 1]]);
    const zt = tf.tensor2d([[1, -1], [0.25, -0.25]]);
    const gMse = tf.grad((z: tf.Tensor) => kdLoss(z as tf.Tensor2D, zt, y, { temperature: 1, alpha: 0, soft: 'logit-mse' }))(zs).arraySync() as number[][];
    expect(gMse.flat()).toEqual([-0.5, 0.5, -1.25, 1.25].map((d) => expect.closeTo((2 / 4) * d, 6)));
    const gKl = tf.grad((z: tf.Tensor) => kdLoss(z as tf.Tensor2D, zt, y, { temperature: 100, alpha: 0 }))(zs).arraySync() as number[][];
    gKl.flat().forEach((g, i) => expect(g).toBeCloseTo(gMse.flat()[i] / 2, 4));
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

  it('mixup of two known images is their exact convex combination', () => {
    const a = Float32Array.of(0, 1, 2, -4);
    const b = Float32Array.of(4, 1, -2, 0);
    mixInto(a, 0, b, 0, 4, 0.25);
    expect(Array.from(a)).toEqual([3, 1, -1, -1]); // 0.25·a + 0.75·b
  });

  it('brightness is a gain around black (raw pixels × g); contrast scales around the image mean', () => {
    // fill −1 stands for a black pixel: values 1, 3 are raw 2, 4 above black; gain 1.5 → 3, 6 above black.
    const img = Float32Array.of(-1, 1, 3, -1);
    jitterInPlace(img, 0, 2, 2, 1, 1.5, 1, [-1]);
    expect(Array.from(img)).toEqual([-1, 2, 5, -1]);
    jitterInPlace(img, 0, 2, 2, 1, 1, 0.5, [-1]); // mean 1.25
    expect(Array.from(img)).toEqual([0.125, 1.625, 3.125, 0.125]);
  });

  it('Beta(a, a) draws: mean 1/2 and variance 1/(4(2a + 1)) (known moments), deterministic per generator', () => {
    for (const a of [0.2, 1, 4]) {
      const r = mulberry32(11);
      const xs = Array.from({ length: 20000 }, () => sampleBeta(a, r));
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
      expect(xs.every((x) => x >= 0 && x <= 1)).toBe(true);
      // Standard errors at n = 20,000 are ≤ 0.0036 (mean) and ≤ 0.002 (variance); 4 of them as tolerance.
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.015);
      expect(Math.abs(variance - 1 / (4 * (2 * a + 1)))).toBeLessThan(0.008);
    }
    const r1 = mulberry32(5);
    const r2 = mulberry32(5);
    expect(Array.from({ length: 5 }, () => sampleBeta(0.4, r1))).toEqual(Array.from({ length: 5 }, () => sampleBeta(0.4, r2)));
    expect(() => sampleBeta(0, r1)).toThrow(RangeError);
  });
});
