import { beforeAll, describe, expect, it } from 'vitest';
import { IM2COL_MAX_PATCH } from './Conv2DBackpropFilter.ts';
import { compareBackends, convGrad, pathsOf, setupBackends, tf } from './test-utils.ts';

beforeAll(setupBackends);

// The gradient itself against cpu: conv-gradients.test.ts.
describe('wasm Conv2DBackpropFilter', () => {
  it('each of its three paths runs and agrees with cpu: 1×1 stride 1 (a matmul), 3×3×3 (one-hot im2col), 3×3×8 (per tap)', async () => {
    const path = async (label: string, xShape: number[], k: number, cout: number, strides: number, seed: number) =>
      pathsOf(await compareBackends(label, convGrad('Conv2DBackpropFilter', xShape, k, cout, strides, 'same', seed)), 'Conv2DBackpropFilter');
    expect(await path('dW 1×1', [3, 5, 5, 8], 1, 3, 1, 21)).toEqual({ '1x1': 1 });
    expect(3 * 3 * 3).toBeLessThanOrEqual(IM2COL_MAX_PATCH);
    expect(await path('dW 3×3×3', [1, 7, 7, 3], 3, 8, 2, 23)).toEqual({ im2col: 1 });
    expect(3 * 3 * 8).toBeGreaterThan(IM2COL_MAX_PATCH);
    expect(await path('dW 3×3×8', [3, 7, 5, 8], 3, 8, 1, 24)).toEqual({ taps: 1 });
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
