import { beforeAll, describe, expect, it } from 'vitest';
import { getGradient, getKernel } from '@tensorflow/tfjs-core';
import { MEDSLIM_MARK, registerWasmTrainingKernels, unregisterWasmTrainingKernels, wasmTrainingKernelsRegistered } from './register.ts';
import { compareBackends, seeded, setupBackends, tf } from './test-utils.ts';

beforeAll(setupBackends);

const marked = (c: unknown) => c != null && (c as Record<symbol, unknown>)[MEDSLIM_MARK] != null;

describe('registerWasmTrainingKernels', () => {
  it('is idempotent', () => {
    const a = registerWasmTrainingKernels();
    const b = registerWasmTrainingKernels();
    expect(b).toBe(a);
    expect(a.added).toEqual([
      'Conv2DBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput',
      'DepthwiseConv2dNativeBackpropFilter',
      'MedslimRelu6Grad',
      'MedslimFusedBatchNormGrad',
      'MedslimBatchNormTrain',
      'MedslimBatchNormTrainGrad',
    ]);
    expect(a.overridden).toEqual(['Tile', 'Conv2DBackpropInput', 'Sum', 'Mean', 'FusedBatchNorm', 'Identity', 'Cast']);
    expect(a.gradients).toEqual(['Relu6', 'FusedBatchNorm', 'Mean', 'Sum', 'MedslimBatchNormTrain']);
    expect(a.skipped).toEqual([]);
    for (const k of [...a.added, ...a.overridden]) expect(marked(getKernel(k, 'wasm')), k).toBe(true);
  });

  it('unregister restores the originals and re-register wraps them again', () => {
    const wrapped = getKernel('Tile', 'wasm');
    unregisterWasmTrainingKernels();
    expect(wasmTrainingKernelsRegistered()).toBe(false);
    expect(getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(marked(getKernel('Tile', 'wasm'))).toBe(false);
    expect(getKernel('Tile', 'wasm')).not.toBe(wrapped);
    expect(marked(getGradient('Relu6'))).toBe(false);
    registerWasmTrainingKernels();
    expect(marked(getKernel('Tile', 'wasm'))).toBe(true);
    expect(marked(getGradient('Relu6'))).toBe(true);
  });

  it('keeps the original setupFunc: wrapped fallbacks work after switching backends', async () => {
    await tf.setBackend('cpu');
    await tf.setBackend('wasm');
    // 3×3 Conv2DBackpropInput and a real Tile take the original wasm kernels.
    const dyv = seeded(2 * 5 * 5 * 4, 1);
    const fv = seeded(3 * 3 * 3 * 4, 2);
    await compareBackends('fallbacks', () => [
      tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor(dyv, [2, 5, 5, 4]), filter: tf.tensor(fv, [3, 3, 3, 4]) }, {
        strides: 1,
        pad: 'same',
        dataFormat: 'NHWC',
        inputShape: [2, 5, 5, 3],
      } as never) as tf.Tensor,
      tf.tile(tf.tensor(fv.subarray(0, 6), [2, 3]), [2, 2]),
    ]);
  });
});
