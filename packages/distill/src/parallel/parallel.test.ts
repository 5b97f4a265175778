import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectTrainingBackend } from '../backend/select.ts';
import { kdLoss } from '../loss.ts';
import { validateStudent, type StudentConfig } from '../student/config.ts';
import { forward } from '../student/forward.ts';
import { disposeStudent, initStudent, namedVariables } from '../student/params.ts';
import { trainStudent, type TrainData } from '../train.ts';
import { shardBounds } from './pool.ts';
import { poolBnStats, shardGradients, trainableLayout, type SharedBatch } from './shard.ts';

beforeAll(async () => {
  await selectTrainingBackend({ prefer: 'wasm' });
});

/** A tiny student for 8×8 inputs (every layer kind: stem, blocks with and without expand/residual, head, fc). */
const tiny: StudentConfig = validateStudent({
  inputChannels: 1, numClasses: 3, resolution: 8, stem: 4, head: 16, width: 1,
  blocks: [{ in: 4, out: 4, stride: 1, expand: 1 }, { in: 4, out: 8, stride: 2, expand: 2 }, { in: 8, out: 8, stride: 1, expand: 2 }],
});

function noise(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => (s = (s * 48271) % 2147483647) / 2147483647 - 0.5);
}

const kd = { temperature: 4, alpha: 0.3 };

describe('data-parallel gradients', () => {
  it('summed shard gradients equal the full-batch gradient when every shard sees the same BatchNorm statistics', () => {
    // BatchNorm in training mode couples the images of a pass, so shards of different images see different
    // statistics and their gradients legitimately differ from the full batch's. Here the batch is one block A of
    // 6 images repeated 3 times ([A; A; A]) with different labels and teacher logits per copy: each of the 3 shards
    // holds one copy, so its batch statistics equal the full batch's (same mean, same biased variance), and the
    // gradient of the full-batch mean loss must equal Σ (m_s / m)·g_s — what shardGradients + the pool compute.
    const params = initStudent(tiny, 3);
    const a = noise(6 * 64, 7);
    const x = new Float32Array(18 * 64);
    for (let r = 0; r < 3; r++) x.set(a, r * 6 * 64);
    const y = Int32Array.from({ length: 18 }, (_, i) => (i * 7 + Math.floor(i / 6)) % 3);
    const t = noise(18 * 3, 11).map((v) => v * 6);
    const batch: SharedBatch = { x, y, t, height: 8, width: 8, channels: 1 };
    const layout = trainableLayout(params);

    const full = new Float32Array(layout.size);
    shardGradients(tiny, params, batch, 0, 18, 18, 18, kd, full);
    // Independent check of that one-pass gradient against tfjs directly.
    const trainable = namedVariables(params).filter(([, v]) => v.trainable).map(([, v]) => v);
    const direct = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => kdLoss(forward(tiny, params, tf.tensor4d(x, [18, 8, 8, 1]), true), tf.tensor2d(t, [18, 3]), tf.tensor1d(y, 'int32'), kd), trainable);
      return trainable.flatMap((v) => Array.from(grads[v.name].dataSync()));
    });
    expect(Array.from(full)).toEqual(direct);

    const sum = new Float32Array(layout.size);
    const shard = new Float32Array(layout.size);
    for (const [s, e] of shardBounds(18, 3)) {
      shardGradients(tiny, params, batch, s, e, 18, 6, kd, shard);
      for (let i = 0; i < sum.length; i++) sum[i] += shard[i];
    }
    const scale = Math.max(...Array.from(full, Math.abs));
    expect(scale).toBeGreaterThan(1e-3);
    let worst = 0;
    for (let i = 0; i < full.length; i++) worst = Math.max(worst, Math.abs(sum[i] - full[i]));
    // float32 rounding of the same sums in a different grouping: a few ulps of the largest component.
    expect(worst / scale).toBeLessThan(1e-5);
    disposeStudent(params);
  });

  it('pooled micro-batch BatchNorm statistics are the full batch statistics', () => {
    const y = tf.tensor4d(noise(10 * 4 * 4 * 3, 5).map((v, i) => v * (1 + (i % 3)) + (i % 3)), [10, 4, 4, 3]);
    const parts = [[0, 3], [3, 7], [7, 10]].map(([s, e]) => {
      const { mean, variance } = tf.moments(tf.slice(y, [s, 0, 0, 0], [e - s, 4, 4, 3]), [0, 1, 2]);
      return [{ mean: mean.dataSync() as Float32Array, variance: variance.dataSync() as Float32Array, count: (e - s) * 16 }];
    });
    const [pooled] = poolBnStats(parts);
    const whole = tf.moments(y, [0, 1, 2]);
    expect(pooled.count).toBe(160);
    Array.from(whole.mean.dataSync()).forEach((v, j) => expect(pooled.mean[j]).toBeCloseTo(v, 5));
    Array.from(whole.variance.dataSync()).forEach((v, j) => expect(pooled.variance[j]).toBeCloseTo(v, 4));
  });

  it('shards are contiguous, cover the batch and differ in size by at most one', () => {
    expect(shardBounds(64, 2)).toEqual([[0, 32], [32, 64]]);
    expect(shardBounds(7, 3)).toEqual([[0, 3], [3, 5], [5, 7]]);
    expect(shardBounds(1, 2)).toEqual([[0, 1], [1, 1]]);
  });
});

describe('trainStudent over worker threads (wasm)', () => {
  const train = { x: noise(48 * 64, 3), y: Int32Array.from({ length: 48 }, (_, i) => i % 3), n: 48 };
  for (let i = 0; i < 48; i++) for (let p = 0; p < 64; p++) train.x[i * 64 + p] += train.y[i] - 1;
  const data: TrainData = { train, val: train, teacher: { logits: noise(48 * 3, 9) }, height: 8, width: 8, channels: 1, fill: [0] };
  const run = async (cfg: { threads: number; microBatch: number }) => {
    const r = await trainStudent(tiny, data, { epochs: 2, batchSize: 16, lr: 0.01, seed: 2, ...cfg });
    const w = namedVariables(r.params).flatMap(([, v]) => Array.from(v.dataSync()));
    disposeStudent(r.params);
    return { w, r };
  };

  it('2 threads train byte-identically to 1 thread whose micro-batches are the 2 shards, and twice alike', async () => {
    // 3 batches of 16 → shards of 8 per thread; one thread with micro-batches of 8 runs the same
    // passes and sums the same weighted gradients in the same order, so the weights must match bit for bit.
    const two = await run({ threads: 2, microBatch: 0 });
    expect(two.r.threads).toBe(2);
    const again = await run({ threads: 2, microBatch: 0 });
    expect(again.w).toEqual(two.w);
    const one = await run({ threads: 1, microBatch: 8 });
    expect(one.r.threads).toBe(1);
    expect(one.r.microBatch).toBe(8);
    expect(one.w).toEqual(two.w);
    // The plain one-pass step differs (BatchNorm statistics over 16 images, not 8) — but trains too.
    const plain = await run({ threads: 1, microBatch: 0 });
    expect(plain.w).not.toEqual(two.w);
    expect(two.r.bestValAuc).toBeGreaterThan(0.8);
  });
});
