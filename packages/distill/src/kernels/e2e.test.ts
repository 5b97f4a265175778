/**
 * End-to-end: tf.variableGrads of a small conv → BatchNorm (moments) → ReLU6
 * → depthwise (stride 2) → BatchNorm → ReLU6 → 1×1 conv → mean loss, on wasm
 * with medslim's kernels against the cpu backend.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { NO_FAST_PATHS, setWasmFastPaths, wasmFastPaths } from './flags.ts';
import { expectClose, seeded, setupBackends, tf } from './test-utils.ts';
import type { Result } from './test-utils.ts';

beforeAll(setupBackends);

const N = 3;
const x0 = seeded(N * 9 * 9 * 3, 1001);
const init: Record<string, [number[], Float32Array]> = {
  stem: [[3, 3, 3, 8], seeded(3 * 3 * 3 * 8, 1002, -0.5, 0.5)],
  g1: [[8], seeded(8, 1003, 0.8, 1.2)],
  b1: [[8], seeded(8, 1004, -0.1, 0.1)],
  dw: [[3, 3, 8, 1], seeded(9 * 8, 1005, -0.5, 0.5)],
  g2: [[8], seeded(8, 1006, 0.8, 1.2)],
  b2: [[8], seeded(8, 1007, -0.1, 0.1)],
  proj: [[1, 1, 8, 4], seeded(8 * 4, 1008, -0.5, 0.5)],
};

async function trainGrads(backend: 'cpu' | 'wasm'): Promise<Record<string, Result>> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const v = Object.fromEntries(
    Object.entries(init).map(([k, [shape, data]]) => {
      const t = tf.tensor(data, shape);
      const variable = tf.variable(t, true, `${backend}_${k}_${Math.random()}`);
      t.dispose();
      return [k, variable];
    }),
  );
  const x = tf.tensor4d(x0, [N, 9, 9, 3]);
  const bn = (h: tf.Tensor4D, g: tf.Variable, b: tf.Variable) => {
    const { mean, variance } = tf.moments(h, [0, 1, 2]);
    return tf.batchNorm(h, mean, variance, b, g, 1e-3) as tf.Tensor4D;
  };
  const { value, grads } = tf.variableGrads(() => {
    let h = tf.conv2d(x, v.stem as unknown as tf.Tensor4D, 1, 'same');
    h = tf.relu6(bn(h, v.g1, v.b1)) as tf.Tensor4D;
    h = tf.depthwiseConv2d(h, v.dw as unknown as tf.Tensor4D, 2, 'same');
    h = tf.relu6(bn(h, v.g2, v.b2)) as tf.Tensor4D;
    h = tf.conv2d(h, v.proj as unknown as tf.Tensor4D, 1, 'valid');
    return tf.mean(tf.mul(h, h)) as tf.Scalar;
  }, Object.values(v));
  const out: Record<string, Result> = { loss: { shape: [], values: Float32Array.from(value.dataSync()) } };
  for (const [k, variable] of Object.entries(v)) {
    const g = grads[variable.name];
    out[k] = { shape: g.shape.slice(), values: Float32Array.from(g.dataSync()) };
  }
  tf.dispose([value, x, ...Object.values(grads), ...Object.values(v)]);
  expect(tf.memory().numTensors, `leak on ${backend}`).toBe(before);
  return out;
}

describe('end-to-end training gradients, wasm vs cpu', () => {
  for (const mode of ['all fast paths', 'no optional fast paths'] as const) {
    it(mode, async () => {
      const prev = setWasmFastPaths(mode === 'all fast paths' ? { ...wasmFastPaths } : NO_FAST_PATHS);
      try {
        const ref = await trainGrads('cpu');
        const got = await trainGrads('wasm');
        for (const k of Object.keys(ref)) expectClose(got[k], ref[k], `${mode}: d loss / d ${k}`);
      } finally {
        setWasmFastPaths(prev);
      }
    });
  }
});
