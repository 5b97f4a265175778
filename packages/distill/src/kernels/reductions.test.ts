import { beforeAll, describe, expect, it } from 'vitest';
import { planRowReduce } from './reduce.ts';
import { setWasmFastPaths } from './flags.ts';
import { compareBackends, pathsOf, seeded, setupBackends, tf } from './test-utils.ts';

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
  // Per case: whether the forward fast path takes it (a contiguous run of axes that is not innermost:
  // planRowReduce), and whether the gradients are a Tile (the reduced axes are one contiguous run: planTile).
  const axesCases: Array<[number[] | number, boolean, boolean, boolean]> = [
    [[0, 1, 2], false, true, true],
    [[1, 2], true, true, true],
    [[0], false, true, true],
    [[1], true, true, true],
    [[3], false, false, true], // innermost: wasm's own Sum; its gradient is still one Tile
    [[0, 2], false, false, false], // not contiguous
    [[0, 1, 2, 3], false, false, true], // everything
  ];
  for (const fast of [true, false]) {
    for (const [axes, keepDims, fastCase, tileGrad] of axesCases) {
      it(`${fast ? 'fast on' : 'fast off'}: axes ${JSON.stringify(axes)} keepDims ${keepDims}`, async () => {
        const prev = setWasmFastPaths({ reductions: fast });
        try {
          const paths = await compareBackends('sum/mean', () => {
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
          const path = fast && fastCase ? 'fast' : 'original';
          // Sum runs 3 times (dySum's shape, the output, inside tf.grad), Mean twice.
          expect([pathsOf(paths, 'Sum'), pathsOf(paths, 'Mean')]).toEqual([{ [path]: 3 }, { [path]: 2 }]);
          const grad = fast && tileGrad ? 'tile' : 'original';
          expect([pathsOf(paths, 'SumGrad'), pathsOf(paths, 'MeanGrad')]).toEqual([{ [grad]: 1 }, { [grad]: 1 }]);
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
