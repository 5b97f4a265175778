import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormTraining } from './BatchNormTrain.ts';
import { setWasmFastPaths } from './flags.ts';
import { compareBackends, seeded, setupBackends, tf } from './test-utils.ts';

beforeAll(setupBackends);

/**
 * batchNormTraining is the fused op on wasm and tf.moments + tf.batchNorm on cpu: values of y, mean, variance
 * and the gradients with respect to x, γ and β of a loss that uses all three outputs must agree.
 */
function case_(shape: number[], seed: number, useStats: boolean) {
  const n = shape.reduce((a, b) => a * b, 1);
  const C = shape[shape.length - 1];
  const xv = seeded(n, seed, -2, 3).map((v, i) => v * (1 + (i % C)) + (i % C)); // channels of different scale and offset
  const dyv = seeded(n, seed + 1);
  const gv = seeded(C, seed + 2, 0.5, 1.5);
  const bv = seeded(C, seed + 3);
  const av = seeded(C, seed + 4);
  const wv = seeded(C, seed + 5);
  return () => {
    const f = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const r = batchNormTraining(x, g, b, 1e-5);
      let loss = tf.sum(tf.mul(r.y, tf.tensor(dyv, shape)));
      if (useStats) loss = tf.add(loss, tf.add(tf.sum(tf.mul(r.mean, tf.tensor(av))), tf.sum(tf.mul(r.variance, tf.tensor(wv)))));
      return loss as tf.Scalar;
    };
    const x = tf.tensor(xv, shape), g = tf.tensor(gv), b = tf.tensor(bv);
    const r = batchNormTraining(x, g, b, 1e-5);
    return [r.y, r.mean, r.variance, ...tf.grads(f)([x, g, b])];
  };
}

describe('training-mode BatchNorm as one op (wasm) vs tf.moments + tf.batchNorm (cpu)', () => {
  it('y, batch mean, biased variance and dx, dγ, dβ (loss through y only)', async () => {
    await compareBackends('bn-train', case_([3, 5, 7, 8], 81, false));
  });

  it('gradients through the mean and variance outputs too', async () => {
    await compareBackends('bn-train stats', case_([2, 6, 6, 5], 91, true));
  });

  it('7×7 maps with 24 channels', async () => {
    await compareBackends('bn-train 7x7', case_([4, 7, 7, 24], 111, false));
  });

  it('one value per channel (M = 1: variance 0): y = β and dx = 0 up to float32 rounding', async () => {
    await tf.setBackend('wasm');
    const beta = seeded(4, 7);
    const [y, dx] = tf.tidy(() => {
      const x = tf.tensor(seeded(4, 6, -3, 3), [1, 1, 1, 4]);
      const f = (a: tf.Tensor) => tf.sum(tf.mul(batchNormTraining(a, tf.ones([4]), tf.tensor(beta), 1e-5).y, tf.tensor([1, -2, 3, 0.5], [1, 1, 1, 4])));
      return [batchNormTraining(x, tf.ones([4]), tf.tensor(beta), 1e-5).y, tf.grads(f)([x])[0]];
    });
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(beta[i], 6));
    Array.from(dx.dataSync()).forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-3));
    tf.dispose([y, dx]);
  });

  it('is the fused kernel on wasm (and the composite with the fast path off), leaking no tensor', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(seeded(2 * 3 * 3 * 4, 5), [2, 3, 3, 4]);
    const g = tf.ones([4]), b = tf.zeros([4]);
    const before = tf.memory().numTensors;
    const fused = tf.tidy(() => tf.grads((a: tf.Tensor) => tf.sum(tf.square(batchNormTraining(a, g, b, 1e-5).y)))([x])[0]);
    const prev = setWasmFastPaths({ batchNormTrain: false });
    let composite: tf.Tensor;
    try {
      composite = tf.tidy(() => tf.grads((a: tf.Tensor) => tf.sum(tf.square(batchNormTraining(a, g, b, 1e-5).y)))([x])[0]);
    } finally {
      setWasmFastPaths(prev);
    }
    expect(tf.memory().numTensors).toBe(before + 2);
    const d = Array.from(fused.dataSync()), e = Array.from(composite.dataSync());
    const scale = Math.max(...e.map(Math.abs));
    d.forEach((v, i) => expect(Math.abs(v - e[i])).toBeLessThanOrEqual(1e-4 * scale + 1e-6));
    tf.dispose([x, g, b, fused, composite]);
  });
});
