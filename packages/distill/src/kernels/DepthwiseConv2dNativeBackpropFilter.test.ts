import { beforeAll, describe, expect, it } from 'vitest';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { depthwiseConv2dNativeBackpropFilterWasm } from './DepthwiseConv2dNativeBackpropFilter.ts';
import { kernelPathCounts, resetKernelPathCounts } from './paths.ts';
import { convGrad, convGradInputs, expectClose, padLabel, pathsOf, runOn, setupBackends, tf } from './test-utils.ts';
import type { Pad } from './test-utils.ts';

beforeAll(setupBackends);

const dF = (xShape: number[], k: number, m: number, strides: number, pad: Pad, seed: number) => convGrad('DepthwiseConv2dNativeBackpropFilter', xShape, k, m, strides, pad, seed);

// The gradient itself against cpu (sweep, channel multipliers, 5×5/7×7, padding): conv-gradients.test.ts.
describe('wasm DepthwiseConv2dNativeBackpropFilter: its two paths', () => {
  it('the single-convolution path agrees with the per-tap path', async () => {
    const cases: Array<[number[], number, number, number, Pad]> = [
      [[3, 7, 7, 3], 3, 1, 2, 'same'],
      [[2, 8, 8, 4], 3, 1, 2, 'valid'],
      [[2, 6, 6, 2], 3, 2, 1, 'same'],
    ];
    for (const [xShape, k, m, strides, pad] of cases) {
      const { filterShape, first: xv, dyv, dyShape } = convGradInputs('DepthwiseConv2dNativeBackpropFilter', xShape, k, m, strides, pad, 50);
      resetKernelPathCounts();
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
      expect(pathsOf(kernelPathCounts(), 'DepthwiseConv2dNativeBackpropFilter')).toEqual({ taps: 1, conv: 1 });
      expect(tf.memory().numTensors).toBe(0);
    }
  });
});
