import { beforeAll, describe, expect, it } from 'vitest';
import { IM2COL_MAX_PATCH } from './Conv2DBackpropFilter.ts';
import { setupBackends, tf } from './test-utils.ts';

beforeAll(setupBackends);

// The gradient itself against cpu: conv-gradients.test.ts.
describe('wasm Conv2DBackpropFilter', () => {
  it('covers the im2col path (3×3×3) and the per-tap path (3×3×8)', () => {
    expect(3 * 3 * 3).toBeLessThanOrEqual(IM2COL_MAX_PATCH);
    expect(3 * 3 * 8).toBeGreaterThan(IM2COL_MAX_PATCH);
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
