import { beforeAll, describe, expect, it } from 'vitest';
import { setWasmFastPaths } from './flags.ts';
import { planTile } from './Tile.ts';
import { kernelPathCounts, resetKernelPathCounts } from './paths.ts';
import { compareBackends, pathsOf, runOn, seeded, setupBackends, tf } from './test-utils.ts';

beforeAll(setupBackends);

describe('planTile', () => {
  it('accepts broadcasts of one contiguous run of size-1 axes', () => {
    expect(planTile([1, 1, 1, 8], [3, 5, 5, 1])).toEqual({ outer: 1, P: 75, inner: 8, outShape: [3, 5, 5, 8] });
    expect(planTile([4, 1], [1, 6])).toEqual({ outer: 4, P: 6, inner: 1, outShape: [4, 6] });
    expect(planTile([2, 1, 1, 3], [1, 4, 5, 1])).toEqual({ outer: 2, P: 20, inner: 3, outShape: [2, 4, 5, 3] });
    expect(planTile([2, 1, 1, 3], [1, 4, 1, 1])).toEqual({ outer: 2, P: 4, inner: 3, outShape: [2, 4, 1, 3] });
  });
  it('rejects real tiles, split runs and no-ops', () => {
    expect(planTile([2, 3], [2, 1])).toBeNull();
    expect(planTile([1, 3, 1], [2, 1, 2])).toBeNull();
    expect(planTile([2, 3], [1, 1])).toBeNull();
    expect(planTile([2, 3], [1])).toBeNull();
  });
});

describe('wasm Tile fast path vs cpu', () => {
  const cases: Array<[number[], number[], 'fast' | 'original']> = [
    [[1, 1, 1, 8], [3, 5, 5, 1], 'fast'], // BatchNorm gradient
    [[4, 1], [1, 6], 'fast'],
    [[2, 1, 1, 3], [1, 4, 5, 1], 'fast'], // global-average-pool gradient
    [[1, 7], [5, 1], 'fast'],
    [[2, 3], [2, 2], 'original'], // not a broadcast: wasm's own kernel
    [[1, 3, 1], [2, 1, 2], 'original'],
  ];
  let seed = 500;
  for (const [shape, reps, path] of cases) {
    const s = (seed += 3);
    it(`[${shape}] × [${reps}] (${path === 'fast' ? 'fast path' : "wasm's own kernel"})`, async () => {
      const v = seeded(shape.reduce((a, b) => a * b, 1), s);
      expect(pathsOf(await compareBackends('tile', () => tf.tile(tf.tensor(v, shape), reps), 0), 'Tile')).toEqual({ [path]: 1 });
    });
  }

  it('int32 data is copied bit for bit', async () => {
    const v = Int32Array.from([1, -2, 2147483647, -2147483648, 0x7fc00001]);
    await tf.setBackend('wasm');
    const t = tf.tile(tf.tensor(v, [1, 5], 'int32'), [3, 1]);
    const got = t.dataSync();
    tf.dispose(t);
    expect(got).toBeInstanceOf(Int32Array);
    expect(Array.from(got)).toEqual([...v, ...v, ...v]);
  });

  it('gives the same numbers with the fast path off', async () => {
    const v = seeded(24, 9);
    const f = () => tf.tile(tf.tensor(v, [1, 1, 1, 24]), [2, 3, 3, 1]);
    resetKernelPathCounts();
    const [on] = await runOn('wasm', f);
    expect(pathsOf(kernelPathCounts(), 'Tile')).toEqual({ fast: 1 });
    const prev = setWasmFastPaths({ tile: false });
    resetKernelPathCounts();
    const [off] = await runOn('wasm', f);
    expect(pathsOf(kernelPathCounts(), 'Tile')).toEqual({ original: 1 });
    setWasmFastPaths(prev);
    expect(on.values).toEqual(off.values);
  });
});
