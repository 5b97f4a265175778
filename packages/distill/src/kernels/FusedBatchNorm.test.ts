import { beforeAll, describe, expect, it } from 'vitest';
import { NO_FAST_PATHS, setWasmFastPaths } from './flags.ts';
import { compareBackends, pathsOf, seeded, setupBackends, tf } from './test-utils.ts';

beforeAll(setupBackends);

const shape = [3, 5, 7, 8];
const n = shape.reduce((a, b) => a * b, 1);
const xv = seeded(n, 71, -2, 3);
const dyv = seeded(n, 72);
const gv = seeded(8, 73, 0.5, 1.5);
const bv = seeded(8, 74);

/** BatchNorm in training mode as the student uses it: tf.moments over N,H,W + tf.batchNorm. */
function bnTrain(withScale = true, withOffset = true) {
  return () => {
    const x = tf.tensor(xv, shape);
    const gamma = tf.tensor(gv);
    const beta = tf.tensor(bv);
    const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(a, [0, 1, 2]);
      return tf.batchNorm(a, mean, variance, withOffset ? b : undefined, withScale ? g : undefined, 1e-3);
    };
    const y = f(x, gamma, beta);
    const grads = tf.grads(f)([x, gamma, beta], tf.tensor(dyv, shape));
    return [y, ...grads];
  };
}

describe('wasm BatchNorm (forward fast path + fused gradient) vs cpu', () => {
  it('moments + batchNorm: y, dx, dscale, doffset', async () => {
    const paths = await compareBackends('bn', bnTrain(true, true));
    // Forward twice (y, and again inside tf.grads); one fused gradient.
    expect(pathsOf(paths, 'FusedBatchNorm')).toEqual({ fast: 2 });
    expect(pathsOf(paths, 'FusedBatchNormGrad')).toEqual({ fused: 1 });
  });

  // tfjs itself cannot differentiate tf.batchNorm without scale or offset
  // (its tape trips over the undefined input, on cpu too): forward only.
  for (const [withScale, withOffset] of [
    [false, true],
    [true, false],
    [false, false],
  ] as const) {
    it(`forward without ${withScale ? '' : 'scale '}${withOffset ? '' : 'offset'}`, async () => {
      await compareBackends('bn forward', () => {
        const x = tf.tensor(xv, shape);
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return tf.batchNorm(x, mean, variance, withOffset ? tf.tensor(bv) : undefined, withScale ? tf.tensor(gv) : undefined, 1e-3);
      });
    });
  }

  it('direct gradients w.r.t. mean and variance (all five FusedBatchNorm inputs)', async () => {
    const mv = seeded(8, 75);
    const vv = seeded(8, 76, 0.2, 2);
    await compareBackends('bn grads', () => {
      const f = (x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, b: tf.Tensor, g: tf.Tensor) => tf.batchNorm(x, m, v, b, g, 1e-3);
      return tf.grads(f)([tf.tensor(xv, shape), tf.tensor(mv), tf.tensor(vv), tf.tensor(bv), tf.tensor(gv)], tf.tensor(dyv, shape));
    });
  });

  it('same numbers with every optional fast path off', async () => {
    const prev = setWasmFastPaths(NO_FAST_PATHS);
    try {
      const paths = await compareBackends('bn (no fast paths)', bnTrain(true, true));
      expect(pathsOf(paths, 'FusedBatchNorm')).toEqual({ original: 2 });
      expect(pathsOf(paths, 'FusedBatchNormGrad')).toEqual({ original: 1 });
    } finally {
      setWasmFastPaths(prev);
    }
  });

  it('2-D input (batchNorm reshapes to 4-D) and batch of one row', async () => {
    await compareBackends('bn 2d', () => {
      const x = tf.tensor(xv.subarray(0, 6 * 8), [6, 8]);
      const f = (a: tf.Tensor) => {
        const { mean, variance } = tf.moments(a, [0]);
        return tf.batchNorm(a, mean, variance, tf.tensor(bv), tf.tensor(gv), 1e-3);
      };
      return [f(x), tf.grad(f)(x, tf.tensor(dyv.subarray(0, 48), [6, 8]))];
    });
    await compareBackends('bn one row', () => {
      const f = (a: tf.Tensor) => tf.batchNorm(a, tf.tensor(bv), tf.tensor(gv), tf.tensor(bv), tf.tensor(gv), 1e-3);
      return tf.grad(f)(tf.tensor(xv.subarray(0, 8), [1, 1, 1, 8]), tf.tensor(dyv.subarray(0, 8), [1, 1, 1, 8]));
    });
  });
});
