import { beforeAll, describe, expect, it } from 'vitest';
import { planRowReduce } from './reduce.ts';
import { setWasmFastPaths } from './flags.ts';
import { compareBackends, seeded, setupBackends, tf } from './test-utils.ts';

beforeAll(setupBackends);

describe('planRowReduce', () => {
  const t = (shape: number[]) => ({ dataId: {}, shape, dtype: 'float32' as const });
  it('plans contiguous, non-innermost runs only', () => {
    expect(planRowReduce(t([4, 5, 6, 8]), [0, 1, 2], false)).toEqual({ outer: 1, reduce: 120, inner: 8, outShape: [8] });
    expect(planRowReduce(t([4, 5, 6, 8]), [1, 2], true)).toEqual({ outer: 4, reduce: 30, inner: 8, outShape: [4, 1, 1, 8] });
    expect(planRowReduce(t([4, 5, 6, 8]), [-4], false)).toEqual({ outer: 1, reduce: 4, inner: 240, outShape: [5, 6, 8] });
    expect(planRowReduce(t([4, 5, 6, 8]), [3], false)).toBeNull(); // innermost: wasm's own kernel
    expect(planRowReduce(t([4, 5, 6, 8]), [0, 2], false)).toBeNull(); // not contiguous
    expect(planRowReduce(t([4, 5, 6, 8]), null, false)).toBeNull(); // everything
    expect(planRowReduce({ ...t([4, 5]), dtype: 'int32' }, [0], false)).toBeNull();
  });
});

describe('wasm Sum / Mean (fast path) and their gradients vs cpu', () => {
  const shape = [3, 5, 7, 8];
  const v = seeded(3 * 5 * 7 * 8, 81, -3, 3);
  const axesCases: Array<[number[] | number, boolean]> = [
    [[0, 1, 2], false],
    [[1, 2], true],
    [[0], false],
    [[1], true],
    [[3], false],
    [[0, 2], false],
    [[0, 1, 2, 3], false],
  ];
  for (const fast of [true, false]) {
    for (const [axes, keepDims] of axesCases) {
      it(`${fast ? 'fast on' : 'fast off'}: axes ${JSON.stringify(axes)} keepDims ${keepDims}`, async () => {
        const prev = setWasmFastPaths({ reductions: fast });
        try {
          await compareBackends('sum/mean', () => {
            const x = tf.tensor(v, shape);
            const dySum = tf.onesLike(tf.sum(x, axes, keepDims));
            const ramp = tf.reshape(tf.mul(tf.range(0, dySum.size), 0.01), dySum.shape);
            return [
              tf.sum(x, axes, keepDims),
              tf.mean(x, axes, keepDims),
              tf.grad((a: tf.Tensor) => tf.sum(a, axes, keepDims))(x, ramp),
              tf.grad((a: tf.Tensor) => tf.mean(a, axes, keepDims))(x, ramp),
            ];
          });
        } finally {
          setWasmFastPaths(prev);
        }
      });
    }
  }

  it('large per-channel reduction stays within tolerance (float32 pooling)', async () => {
    const big = seeded(64 * 14 * 14 * 8, 82, 0, 2);
    await compareBackends('big mean', () => {
      const x = tf.tensor(big, [64, 14, 14, 8]);
      return [tf.sum(x, [0, 1, 2]), tf.mean(x, [0, 1, 2])];
    });
  });
});
