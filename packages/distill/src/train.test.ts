import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateStudent, type StudentConfig } from './student/config.ts';
import { namedVariables } from './student/params.ts';
import { trainStudent, type TrainData } from './train.ts';

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

  it('stops on a non-finite loss and names the epoch and step', async () => {
    await expect(trainStudent(tiny, trainData(), { epochs: 1, batchSize: 16, lr: 1e30, optimizer: 'sgd' })).rejects.toThrowError(/the training loss became (NaN|Infinity) at epoch 1, step \d+ of 4/);
  });
});
