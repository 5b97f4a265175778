import { beforeAll, describe, it } from 'vitest';
import { setWasmFastPaths } from './flags.ts';
import { compareBackends, padLabel, seeded, setupBackends, tf } from './test-utils.ts';
import type { Pad } from './test-utils.ts';

beforeAll(setupBackends);

function dX(xShape: number[], k: number, cout: number, strides: number, pad: Pad, seed: number): () => tf.Tensor {
  const filterShape = [k, k, xShape[3], cout] as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape, strides, 1, pad as never);
  const fv = seeded(filterShape.reduce((a, b) => a * b, 1), seed);
  const dyv = seeded(info.outShape.reduce((a, b) => a * b, 1), seed + 1);
  return () =>
    tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor(dyv, info.outShape), filter: tf.tensor(fv, filterShape) }, {
      strides,
      pad,
      dataFormat: 'NHWC',
      inputShape: xShape,
    } as never) as tf.Tensor;
}

describe('wasm Conv2DBackpropInput (1×1 fast path + original kernel) vs cpu', () => {
  const shapes: Array<[number, number, number, number, number]> = [
    [1, 7, 7, 3, 8],
    [3, 5, 5, 8, 3],
    [3, 7, 5, 8, 8],
  ];
  let seed = 600;
  for (const fast of [true, false]) {
    for (const k of [1, 3]) {
      for (const strides of [1, 2]) {
        for (const pad of ['same', 'valid'] as Pad[]) {
          for (const [N, H, W, Cin, Cout] of shapes) {
            const s = (seed += 5);
            it(`${fast ? 'fast path on' : 'fast path off'}: ${k}×${k} stride ${strides} ${padLabel(pad)} x [${N},${H},${W},${Cin}] ← ${Cout}`, async () => {
              const prev = setWasmFastPaths({ conv2dBackpropInput1x1: fast });
              try {
                await compareBackends('dX', dX([N, H, W, Cin], k, Cout, strides, pad, s));
              } finally {
                setWasmFastPaths(prev);
              }
            });
          }
        }
      }
    }
  }
});
