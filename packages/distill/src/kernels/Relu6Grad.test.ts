import { beforeAll, describe, expect, it } from 'vitest';
import { setWasmFastPaths } from './flags.ts';
import { compareBackends, pathsOf, runOn, seeded, setupBackends, tf } from './test-utils.ts';

beforeAll(setupBackends);

describe('wasm ReLU6 gradient vs cpu', () => {
  it('matches tfjs on the edges: 0, 6, negative, > 6, NaN', async () => {
    const x = [-3, -0, 0, 1e-7, 0.5, 5.999, 6, 6.0001, 9, NaN];
    const dy = x.map((_, i) => i + 1);
    const f = () => tf.grad((a: tf.Tensor) => tf.relu6(a))(tf.tensor(x), tf.tensor(dy));
    const [ref] = await runOn('cpu', f);
    const [got] = await runOn('wasm', f);
    expect(Array.from(got.values)).toEqual(Array.from(ref.values));
    expect(Array.from(got.values)).toEqual([0, 0, 0, 4, 5, 6, 7, 0, 0, NaN]);
  });

  it('random 4-D input, fast path on and off', async () => {
    const v = seeded(3 * 5 * 5 * 8, 7, -4, 10);
    const d = seeded(3 * 5 * 5 * 8, 8);
    const f = () => tf.grad((a: tf.Tensor) => tf.relu6(a))(tf.tensor(v, [3, 5, 5, 8]), tf.tensor(d, [3, 5, 5, 8]));
    expect(pathsOf(await compareBackends('relu6 grad', f, 0), 'Relu6Grad')).toEqual({ fast: 1 });
    const prev = setWasmFastPaths({ relu6Grad: false });
    try {
      expect(pathsOf(await compareBackends('relu6 grad (tfjs gradient)', f, 0), 'Relu6Grad')).toEqual({ original: 1 });
    } finally {
      setWasmFastPaths(prev);
    }
  });
});
