import { beforeAll, describe, expect, it } from 'vitest';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { depthwiseConv2dNativeBackpropFilterWasm } from './DepthwiseConv2dNativeBackpropFilter.ts';
import { compareBackends, expectClose, padLabel, runOn, seeded, setupBackends, tf } from './test-utils.ts';
import type { Pad } from './test-utils.ts';

beforeAll(setupBackends);

function inputs(xShape: number[], k: number, m: number, strides: number, pad: Pad, seed: number) {
  const filterShape = [k, k, xShape[3], m] as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape, strides, 1, pad as never, undefined, true);
  return {
    filterShape,
    xv: seeded(xShape.reduce((a, b) => a * b, 1), seed),
    dyv: seeded(info.outShape.reduce((a, b) => a * b, 1), seed + 1),
    dyShape: info.outShape,
  };
}

function dF(xShape: number[], k: number, m: number, strides: number, pad: Pad, seed: number): () => tf.Tensor {
  const { filterShape, xv, dyv, dyShape } = inputs(xShape, k, m, strides, pad, seed);
  return () =>
    tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: tf.tensor(xv, xShape), dy: tf.tensor(dyv, dyShape) }, {
      strides,
      dilations: 1,
      pad,
      filterShape,
    } as never) as tf.Tensor;
}

describe('wasm DepthwiseConv2dNativeBackpropFilter vs cpu', () => {
  const shapes: Array<[number, number, number, number]> = [
    [1, 7, 7, 3],
    [3, 5, 5, 8],
    [3, 7, 6, 8],
  ];
  let seed = 300;
  for (const k of [1, 3]) {
    for (const strides of [1, 2]) {
      for (const pad of ['same', 'valid'] as Pad[]) {
        for (const [N, H, W, C] of shapes) {
          const s = (seed += 7);
          it(`${k}×${k} stride ${strides} ${padLabel(pad)} x [${N},${H},${W},${C}]`, async () => {
            await compareBackends('dF', dF([N, H, W, C], k, 1, strides, pad, s));
          });
        }
      }
    }
  }

  it('channel multiplier 2 and 3', async () => {
    await compareBackends('dF m=2', dF([2, 7, 7, 3], 3, 2, 2, 'same', 41));
    await compareBackends('dF m=3', dF([1, 6, 5, 4], 3, 3, 1, 'valid', 42));
  });

  it('5×5 and 7×7 filters (per-tap and single-convolution paths), explicit and numeric padding', async () => {
    await compareBackends('dF 5×5', dF([2, 9, 9, 4], 5, 1, 2, 'same', 43));
    await compareBackends('dF 7×7', dF([2, 9, 9, 4], 7, 1, 1, 'same', 44));
    await compareBackends('dF explicit', dF([2, 7, 8, 3], 3, 1, 2, [[0, 0], [2, 1], [0, 2], [0, 0]], 45));
    await compareBackends('dF numeric', dF([2, 7, 7, 3], 3, 1, 1, 1, 46));
  });

  it('the single-convolution path agrees with the per-tap path', async () => {
    const cases: Array<[number[], number, number, number, Pad]> = [
      [[3, 7, 7, 3], 3, 1, 2, 'same'],
      [[2, 8, 8, 4], 3, 1, 2, 'valid'],
      [[2, 6, 6, 2], 3, 2, 1, 'same'],
    ];
    for (const [xShape, k, m, strides, pad] of cases) {
      const { filterShape, xv, dyv, dyShape } = inputs(xShape, k, m, strides, pad, 50);
      const [ref] = await runOn('cpu', dF(xShape, k, m, strides, pad, 50));
      await tf.setBackend('wasm');
      const backend = tf.backend() as unknown as { readSync(id: object): Float32Array; disposeData(id: object): void };
      for (const path of ['taps', 'conv'] as const) {
        const x = tf.tensor(xv, xShape);
        const dy = tf.tensor(dyv, dyShape);
        const out: TensorInfo = depthwiseConv2dNativeBackpropFilterWasm(
          { inputs: { x, dy }, backend, attrs: { strides, dilations: 1, pad, filterShape } },
          path,
        );
        const values = Float32Array.from(backend.readSync(out.dataId));
        backend.disposeData(out.dataId);
        tf.dispose([x, dy]);
        expectClose({ shape: out.shape, values }, ref, `dF ${path} [${xShape}] k${k} m${m} s${strides} ${padLabel(pad)}`);
      }
      expect(tf.memory().numTensors).toBe(0);
    }
  });
});
