/**
 * The wasm BatchMatMul pitfall: XNNPACK's fully-connected operator (with the
 * packed `b` matrix) is cached per data id of `b`, not per shape, and a
 * reshape shares the data id. medslim's kernels must never feed a buffer they
 * did not create as `b`, or they would both read a stale operator and leave
 * one behind for the caller.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compareBackends, runOn, seeded, setupBackends, tf } from './test-utils.ts';

beforeAll(setupBackends);

const tv = seeded(2 * 4 * 4 * 8, 901);

describe('wasm BatchMatMul operator cache', () => {
  it('is keyed by data id: the same buffer under a second shape reuses the first operator (why medslim copies b)', async () => {
    const f = () => {
      const t = tf.tensor(tv, [2, 4, 4, 8]);
      const first = tf.matMul(tf.ones([3, 64]), tf.reshape(t, [64, 4]) as tf.Tensor2D);
      const second = tf.matMul(tf.ones([3, 32]), tf.reshape(t, [32, 8]) as tf.Tensor2D);
      return [first, second];
    };
    const [, cpuSecond] = await runOn('cpu', f);
    const [, wasmSecond] = await runOn('wasm', f);
    const same = cpuSecond.shape.join() === wasmSecond.shape.join() && cpuSecond.values.every((v, i) => Math.abs(v - wasmSecond.values[i]) < 1e-4);
    // tfjs-backend-wasm 4.22.0 returns wrong numbers here; if a later version
    // fixes it this expectation flips and the note above can go.
    expect(same).toBe(false);
  });

  it('Conv2DBackpropFilter (1×1) stays correct when x and dy buffers were used as matmul b under other shapes', async () => {
    const dyv = seeded(2 * 4 * 4 * 16, 902);
    const dyv2 = seeded(2 * 4 * 4 * 4, 903);
    await compareBackends('dW after foreign matmuls', () => {
      const t = tf.tensor(tv, [2, 4, 4, 8]);
      const dy = tf.tensor(dyv, [2, 4, 4, 16]);
      const dy2 = tf.tensor(dyv2, [2, 4, 4, 4]);
      // Prime the cache for these buffers with other shapes.
      const p1 = tf.matMul(tf.ones([3, 64]), tf.reshape(t, [64, 4]) as tf.Tensor2D);
      const p2 = tf.matMul(tf.ones([2, 128]), tf.reshape(dy, [128, 4]) as tf.Tensor2D);
      const p3 = tf.matMul(tf.ones([2, 16]), tf.reshape(dy2, [16, 8]) as tf.Tensor2D);
      const attrs = (cout: number) => ({ strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [1, 1, 8, cout] }) as never;
      const dwA = tf.engine().runKernel('Conv2DBackpropFilter', { x: t, dy }, attrs(16)) as tf.Tensor; // Cin ≤ Cout: b = x
      const dwB = tf.engine().runKernel('Conv2DBackpropFilter', { x: t, dy: dy2 }, attrs(4)) as tf.Tensor; // Cin > Cout: b = dy
      // ... and the caller's own matmuls are still right afterwards.
      const q1 = tf.matMul(tf.ones([3, 64]), tf.reshape(t, [64, 4]) as tf.Tensor2D);
      const q3 = tf.matMul(tf.ones([2, 16]), tf.reshape(dy2, [16, 8]) as tf.Tensor2D);
      return [p1, p2, p3, dwA, dwB, q1, q3];
    });
  });

  it('Conv2DBackpropInput (1×1) stays correct when the filter buffer was used as matmul b', async () => {
    const fv = seeded(8 * 16, 904);
    const dyv = seeded(2 * 4 * 4 * 16, 905);
    await compareBackends('dX after foreign matmul', () => {
      const w = tf.tensor(fv, [1, 1, 8, 16]);
      const p = tf.matMul(tf.ones([2, 16]), tf.reshape(w, [16, 8]) as tf.Tensor2D);
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor(dyv, [2, 4, 4, 16]), filter: w }, {
        strides: 1,
        pad: 'valid',
        dataFormat: 'NHWC',
        inputShape: [2, 4, 4, 8],
      } as never) as tf.Tensor;
      // (A further caller matmul with w as [8, 16] would itself hit the
      // pitfall against p: that is the caller's business, not the kernel's.)
      return [p, dx];
    });
  });

  it('the same activation through several kernels in one step', async () => {
    const xv = seeded(3 * 5 * 5 * 8, 906);
    await compareBackends('shared x', () => {
      const x = tf.tensor(xv, [3, 5, 5, 8]);
      const w1 = tf.tensor(seeded(8 * 8, 907), [1, 1, 8, 8]);
      const w2 = tf.tensor(seeded(8 * 3, 908), [1, 1, 8, 3]);
      const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, a as tf.Tensor4D, 1, 'same'), tf.mean(tf.conv2d(x as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))));
      return tf.grads(loss)([w1, w2]);
    });
  });
});
