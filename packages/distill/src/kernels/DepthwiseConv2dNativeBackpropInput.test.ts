import { beforeAll, describe, it } from 'vitest';
import { compareBackends, padLabel, seeded, setupBackends, tf } from './test-utils.ts';
import type { Pad } from './test-utils.ts';

beforeAll(setupBackends);

function dX(xShape: number[], k: number, m: number, strides: number, pad: Pad, seed: number): () => tf.Tensor {
  const filterShape = [k, k, xShape[3], m] as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape, strides, 1, pad as never, undefined, true);
  const fv = seeded(filterShape.reduce((a, b) => a * b, 1), seed);
  const dyv = seeded(info.outShape.reduce((a, b) => a * b, 1), seed + 1);
  return () =>
    tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: tf.tensor(dyv, info.outShape), filter: tf.tensor(fv, filterShape) }, {
      strides,
      dilations: 1,
      pad,
      inputShape: xShape,
    } as never) as tf.Tensor;
}

describe('wasm DepthwiseConv2dNativeBackpropInput vs cpu', () => {
  const shapes: Array<[number, number, number, number]> = [
    [1, 7, 7, 3],
    [3, 5, 5, 8],
    [3, 7, 6, 8],
  ];
  let seed = 200;
  for (const k of [1, 3]) {
    for (const strides of [1, 2]) {
      for (const pad of ['same', 'valid'] as Pad[]) {
        for (const [N, H, W, C] of shapes) {
          const s = (seed += 7);
          it(`${k}×${k} stride ${strides} ${padLabel(pad)} x [${N},${H},${W},${C}]`, async () => {
            await compareBackends('dX', dX([N, H, W, C], k, 1, strides, pad, s));
          });
        }
      }
    }
  }

  it('channel multiplier 2 and 3', async () => {
    await compareBackends('dX m=2', dX([2, 7, 7, 3], 3, 2, 2, 'same', 31));
    await compareBackends('dX m=3', dX([1, 6, 5, 4], 3, 3, 1, 'valid', 32));
  });

  it('5×5 filters, explicit and numeric padding', async () => {
    await compareBackends('dX 5×5', dX([2, 9, 9, 4], 5, 1, 2, 'same', 33));
    await compareBackends('dX explicit', dX([2, 7, 8, 3], 3, 1, 2, [[0, 0], [2, 1], [0, 2], [0, 0]], 34));
    await compareBackends('dX numeric', dX([2, 7, 7, 3], 3, 1, 1, 1, 35));
  });
});
