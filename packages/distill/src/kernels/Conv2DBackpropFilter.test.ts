import { beforeAll, describe, expect, it } from 'vitest';
import { IM2COL_MAX_PATCH } from './Conv2DBackpropFilter.ts';
import { compareBackends, padLabel, seeded, setupBackends, tf } from './test-utils.ts';
import type { Pad } from './test-utils.ts';

beforeAll(setupBackends);

function dW(xShape: number[], k: number, cout: number, strides: number, pad: Pad, seed: number): () => tf.Tensor {
  const filterShape = [k, k, xShape[3], cout] as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape, strides, 1, pad as never);
  const xv = seeded(xShape.reduce((a, b) => a * b, 1), seed);
  const dyv = seeded(info.outShape.reduce((a, b) => a * b, 1), seed + 1);
  return () =>
    tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(xv, xShape), dy: tf.tensor(dyv, info.outShape) }, {
      strides,
      pad,
      dataFormat: 'NHWC',
      filterShape,
    } as never) as tf.Tensor;
}

describe('wasm Conv2DBackpropFilter vs cpu', () => {
  const shapes: Array<[number, number, number, number, number]> = [
    // N, H, W, Cin, Cout
    [1, 7, 7, 3, 8],
    [3, 5, 5, 8, 3],
    [3, 7, 5, 8, 8],
  ];
  let seed = 100;
  for (const k of [1, 3]) {
    for (const strides of [1, 2]) {
      for (const pad of ['same', 'valid'] as Pad[]) {
        for (const [N, H, W, Cin, Cout] of shapes) {
          const s = (seed += 7);
          it(`${k}×${k} stride ${strides} ${padLabel(pad)} x [${N},${H},${W},${Cin}] → ${Cout}`, async () => {
            await compareBackends('dW', dW([N, H, W, Cin], k, Cout, strides, pad, s));
          });
        }
      }
    }
  }

  it('covers the im2col path (3×3×3) and the per-tap path (3×3×8)', () => {
    expect(3 * 3 * 3).toBeLessThanOrEqual(IM2COL_MAX_PATCH);
    expect(3 * 3 * 8).toBeGreaterThan(IM2COL_MAX_PATCH);
  });

  it('1×1 stride 2 with many channels (per-tap path)', async () => {
    await compareBackends('dW', dW([2, 7, 7, 40], 1, 5, 2, 'same', 11));
  });

  it('explicit and numeric padding', async () => {
    await compareBackends('dW', dW([2, 6, 7, 3], 3, 4, 2, [[0, 0], [1, 2], [2, 0], [0, 0]], 12));
    await compareBackends('dW', dW([2, 6, 7, 8], 3, 4, 1, 1, 13));
  });

  it('rejects NCHW with a clear error', async () => {
    await tf.setBackend('wasm');
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.zeros([1, 3, 5, 5]), dy: tf.zeros([1, 3, 5, 5]) }, {
        strides: 1,
        pad: 'same',
        dataFormat: 'NCHW',
        filterShape: [1, 1, 3, 3],
      } as never),
    ).toThrow(/NHWC/);
  });
});
