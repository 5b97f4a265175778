import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateStudent, type StudentConfig } from './student/config.ts';
import { initStudent, namedVariables } from './student/params.ts';
import { emaUpdate, trainStudent, type OnlineTeacher, type TrainData } from './train.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A tiny student for 8×8 inputs: fast enough for the pure-JS backend. */
const tiny: StudentConfig = validateStudent({
  inputChannels: 1, numClasses: 2, resolution: 8, stem: 4, head: 16, width: 1,
  blocks: [{ in: 4, out: 4, stride: 1, expand: 1 }, { in: 4, out: 8, stride: 2, expand: 2 }, { in: 8, out: 8, stride: 1, expand: 2 }],
});

/** Class 1 images are brighter in the left half: learnable, and flips make it harder but not impossible. */
function data(n: number, seed: number): { x: Float32Array; y: Int32Array; n: number } {
  let s = seed;
  const r = () => ((s = (s * 48271) % 2147483647) / 2147483647);
  const x = new Float32Array(n * 64);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let p = 0; p < 64; p++) x[i * 64 + p] = (r() - 0.5) + (y[i] ? 0.8 : -0.8);
  }
  return { x, y, n };
}

function trainData(teacher = true): TrainData {
  const train = data(64, 3);
  // A "teacher" that is right and confident: logits ±3 toward the label.
  const logits = new Float32Array(64 * 2);
  for (let i = 0; i < 64; i++) logits[i * 2 + train.y[i]] = 3;
  return { train, val: data(32, 5), teacher: teacher ? { logits } : null, height: 8, width: 8, channels: 1, fill: [0] };
}

const weights = (p: Awaited<ReturnType<typeof trainStudent>>['params']) => namedVariables(p).flatMap(([, v]) => Array.from(v.dataSync()));

describe('trainStudent (tfjs cpu backend, tiny student)', () => {
  it('learns a separable task: validation AUC ≥ 0.95 after 4 epochs with the KD loss', async () => {
    const r = await trainStudent(tiny, trainData(), { epochs: 4, batchSize: 16, lr: 0.01, seed: 1 });
    expect(r.bestValAuc).toBeGreaterThanOrEqual(0.95);
    expect(r.history).toHaveLength(4);
    expect(r.history[3].loss).toBeLessThan(r.history[0].loss);
    expect(r.imagesPerSecond).toBeGreaterThan(0);
  });

  it('is deterministic for a seed (same weights twice) and α = 1 trains without a teacher', async () => {
    const a = await trainStudent(tiny, trainData(), { epochs: 1, batchSize: 16, seed: 2 });
    const b = await trainStudent(tiny, trainData(), { epochs: 1, batchSize: 16, seed: 2 });
    expect(weights(a.params)).toEqual(weights(b.params));
    const c = await trainStudent(tiny, trainData(false), { epochs: 1, batchSize: 16, seed: 2, alpha: 1 });
    expect(c.history[0].loss).toBeGreaterThan(0);
  });

  it('a run interrupted after epoch 2 and resumed ends with the same weights as an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medslim-ckpt-'));
    const cfg = { epochs: 3, batchSize: 16, seed: 4, lr: 0.005 };
    const full = await trainStudent(tiny, trainData(), cfg, { checkpoint: join(dir, 'a.bin') });
    const checkpoint = join(dir, 'b.bin');
    await expect(trainStudent(tiny, trainData(), cfg, { checkpoint, onEpoch: (h) => { if (h.epoch === 2) throw new Error('killed'); } })).rejects.toThrow('killed');
    const resumed = await trainStudent(tiny, trainData(), cfg, { checkpoint, resume: true });
    expect(resumed.resumedFrom).toBe(2);
    expect(resumed.history.map((h) => h.valAuc)).toEqual(full.history.map((h) => h.valAuc));
    expect(weights(resumed.params)).toEqual(weights(full.params));
    await expect(trainStudent(tiny, trainData(), { ...cfg, lr: 0.1 }, { checkpoint, resume: true })).rejects.toMatchObject({ code: 'BAD_CHECKPOINT' });
  });

  it('ema: the running average of a known weight sequence (warm-up d = min(decay, (1 + t)/(10 + t)))', () => {
    const ema = Float32Array.of(0, 10);
    emaUpdate(ema, Float32Array.of(11, -1), 0.99, 1); // d = 2/11
    expect(Array.from(ema)).toEqual([9, (2 / 11) * 10 - 9 / 11].map((v) => expect.closeTo(v, 5)));
    emaUpdate(ema, Float32Array.of(1, 1), 0.5, 100); // d = 0.5 (the decay caps the warm-up's 101/110)
    expect(Array.from(ema)).toEqual([5, ((2 / 11) * 10 - 9 / 11 + 1) / 2].map((v) => expect.closeTo(v, 5)));
  });

  it('ema: the returned weights are the average of the initial and the trained weights after one step; BatchNorm statistics are the trained ones', async () => {
    const cfg = { epochs: 1, batchSize: 64, seed: 5, lr: 0.01 }; // 64 images: one optimizer step
    const w0 = weights(initStudent(tiny, 5));
    const raw = await trainStudent(tiny, trainData(), cfg);
    const avg = await trainStudent(tiny, trainData(), { ...cfg, ema: 0.99 });
    const d = 2 / 11;
    namedVariables(avg.params).forEach(([name, v], j) => {
      const r = namedVariables(raw.params)[j][1].dataSync();
      const init = namedVariables(initStudent(tiny, 5))[j][1].dataSync();
      const got = Array.from(v.dataSync());
      if (v.trainable) expect(got).toEqual(Array.from(r, (x, i) => expect.closeTo(d * init[i] + (1 - d) * x, 5)));
      else expect(got, name).toEqual(Array.from(r));
    });
    expect(weights(avg.params)).not.toEqual(w0);
  });

  it('ema: a resumed run ends with the same averaged weights as an uninterrupted one; softLoss logit-mse trains', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medslim-ema-'));
    const cfg = { epochs: 3, batchSize: 16, seed: 4, lr: 0.005, ema: 0.9, softLoss: 'logit-mse' as const };
    const full = await trainStudent(tiny, trainData(), cfg, { checkpoint: join(dir, 'a.bin') });
    const checkpoint = join(dir, 'b.bin');
    await expect(trainStudent(tiny, trainData(), cfg, { checkpoint, onEpoch: (h) => { if (h.epoch === 2) throw new Error('killed'); } })).rejects.toThrow('killed');
    const resumed = await trainStudent(tiny, trainData(), cfg, { checkpoint, resume: true });
    expect(resumed.history.map((h) => h.valAuc)).toEqual(full.history.map((h) => h.valAuc));
    expect(weights(resumed.params)).toEqual(weights(full.params));
    expect(full.history[2].loss).toBeLessThan(full.history[0].loss);
    await expect(trainStudent(tiny, trainData(), { ...cfg, ema: 1 })).rejects.toMatchObject({ code: 'BAD_CONFIG', message: expect.stringMatching(/ema/) });
    await expect(trainStudent(tiny, trainData(), { ...cfg, softLoss: 'l2' as never })).rejects.toMatchObject({ code: 'BAD_CONFIG', message: expect.stringMatching(/softLoss/) });
  });

  it('stops on a non-finite loss and names the epoch and step', async () => {
    await expect(trainStudent(tiny, trainData(), { epochs: 1, batchSize: 16, lr: 1e30, optimizer: 'sgd' })).rejects.toThrowError(/the training loss became (NaN|Infinity) at epoch 1, step \d+ of 4/);
  });
});

/** An online teacher that records every batch it is asked about and answers with the image's mean-based logits. */
function recordingTeacher(): OnlineTeacher & { seen: Float32Array[] } {
  const seen: Float32Array[] = [];
  return {
    seen,
    async logits(x: Float32Array, n: number) {
      seen.push(Float32Array.from(x));
      const out = new Float32Array(n * 2);
      for (let i = 0; i < n; i++) {
        let m = 0;
        for (let p = 0; p < 64; p++) m += x[i * 64 + p];
        out[i * 2 + 1] = 3 * (m / 64);
      }
      return out;
    },
  };
}

describe('function matching: online teacher on the augmented views (mixup, brightness, contrast)', () => {
  const fm = { epochs: 1, batchSize: 16, seed: 6, mixup: 1, brightness: 0.2, contrast: 0.2, maxShift: 1 };

  it('is deterministic: same seed → the teacher sees the same views and the student ends with the same weights', async () => {
    const t1 = recordingTeacher();
    const t2 = recordingTeacher();
    const a = await trainStudent(tiny, { ...trainData(), teacher: { online: t1 } }, fm);
    const b = await trainStudent(tiny, { ...trainData(), teacher: { online: t2 } }, fm);
    expect(t1.seen.length).toBe(4); // 64 images, batch 16
    expect(t2.seen).toEqual(t1.seen);
    expect(weights(a.params)).toEqual(weights(b.params));
    const c = await trainStudent(tiny, { ...trainData(), teacher: { online: recordingTeacher() } }, { ...fm, seed: 7 });
    expect(weights(c.params)).not.toEqual(weights(a.params));
  });

  it('with mixup alone every view the teacher scores is λ·x_i + (1 − λ)·x_j of two train images, λ ∈ [0, 1]', async () => {
    const t = recordingTeacher();
    const train = trainData().train;
    await trainStudent(tiny, { ...trainData(), teacher: { online: t } }, { epochs: 1, batchSize: 16, seed: 3, mixup: 1 });
    const views = t.seen.flatMap((b) => Array.from({ length: b.length / 64 }, (_, i) => b.subarray(i * 64, (i + 1) * 64)));
    expect(views).toHaveLength(64);
    let strictlyMixed = 0;
    for (const v of views) {
      // Least-squares λ for each pair (i, j); one pair must reproduce the view to float32 rounding.
      let best = Infinity;
      let bestLambda = NaN;
      for (let i = 0; i < 64; i++) {
        for (let j = 0; j < 64; j++) {
          let num = 0, den = 0;
          for (let p = 0; p < 64; p++) {
            const d = train.x[i * 64 + p] - train.x[j * 64 + p];
            num += (v[p] - train.x[j * 64 + p]) * d;
            den += d * d;
          }
          const lambda = den > 0 ? num / den : 1;
          let err = 0;
          for (let p = 0; p < 64; p++) err = Math.max(err, Math.abs(v[p] - (lambda * train.x[i * 64 + p] + (1 - lambda) * train.x[j * 64 + p])));
          if (err < best) { best = err; bestLambda = lambda; }
        }
      }
      expect(best).toBeLessThan(1e-5);
      expect(bestLambda).toBeGreaterThanOrEqual(-1e-6);
      expect(bestLambda).toBeLessThanOrEqual(1 + 1e-6);
      if (bestLambda > 0.01 && bestLambda < 0.99) strictlyMixed++;
    }
    expect(strictlyMixed).toBeGreaterThan(50); // Beta(1, 1): P(λ ∈ (0.01, 0.99)) = 0.98
  });

  it('without augmentation the online teacher sees exactly the train images, each once per epoch', async () => {
    const t = recordingTeacher();
    const train = trainData().train;
    await trainStudent(tiny, { ...trainData(), teacher: { online: t } }, { epochs: 1, batchSize: 16, seed: 3 });
    const key = (a: ArrayLike<number>) => Array.from(a).join(',');
    const seen = t.seen.flatMap((b) => Array.from({ length: b.length / 64 }, (_, i) => key(b.subarray(i * 64, (i + 1) * 64)))).sort();
    expect(seen).toEqual(Array.from({ length: 64 }, (_, i) => key(train.x.subarray(i * 64, (i + 1) * 64))).sort());
  });

  it('refuses mixup with cached teacher logits (they are not the teacher on the mixed image) and out-of-range jitter', async () => {
    await expect(trainStudent(tiny, trainData(), { epochs: 1, batchSize: 16, mixup: 1 })).rejects.toMatchObject({ code: 'BAD_CONFIG', message: expect.stringMatching(/online teacher/) });
    await expect(trainStudent(tiny, trainData(), { epochs: 1, batchSize: 16, brightness: 1 })).rejects.toMatchObject({ code: 'BAD_CONFIG', message: expect.stringMatching(/brightness must be in \[0, 1\)/) });
    await expect(trainStudent(tiny, trainData(), { epochs: 1, batchSize: 16, mixupFraction: 2 })).rejects.toMatchObject({ code: 'BAD_CONFIG' });
  });
});
