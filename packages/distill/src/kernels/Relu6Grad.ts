/**
 * A cheaper ReLU6 gradient for the wasm backend.
 *
 * tfjs-core's gradient for `Relu6` is `mul(dy, cast(mul(lessEqual(x, 6),
 * step(x)), 'float32'))`: five kernels, four full-size temporaries (one of
 * them bool, which then has to be cast). `MedslimRelu6Grad` computes
 * dx = dy · [0 < x ≤ 6] in one pass over the wasm heap, with exactly the same
 * semantics (grad 1 at x = 6, 0 at x = 0, NaN where x is NaN).
 *
 * Gradients are registered globally (not per backend), so the replacement
 * gradient only uses the new kernel when the active backend is wasm and the
 * fast path is on; otherwise it calls tfjs's original gradient function.
 */
import { engine, getBackend } from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmFastPaths } from './flags.ts';
import { sizeOf } from './wasm-ops.ts';

export const MedslimRelu6Grad = 'MedslimRelu6Grad';

export function relu6GradWasm(args: { inputs: { dy?: TensorInfo; x?: TensorInfo }; backend: unknown }): TensorInfo {
  const { dy, x } = args.inputs;
  if (dy == null || x == null) throw new Error('medslim wasm Relu6Grad: missing dy or x');
  if (dy.dtype !== 'float32' || x.dtype !== 'float32') throw new Error('medslim wasm Relu6Grad: float32 only');
  const n = sizeOf(x.shape);
  if (sizeOf(dy.shape) !== n) throw new Error(`medslim wasm Relu6Grad: dy [${dy.shape}] and x [${x.shape}] differ`);
  const backend = args.backend as BackendWasm;
  const out = backend.makeOutput(x.shape, 'float32') as TensorInfo;
  // Views only after the allocation: growing the heap detaches old views.
  const o = backend.typedArrayFromHeap(out) as Float32Array;
  const xv = backend.typedArrayFromHeap(x) as Float32Array;
  const dv = backend.typedArrayFromHeap(dy) as Float32Array;
  for (let i = 0; i < n; i++) {
    const v = xv[i];
    o[i] = v > 0 ? (v <= 6 ? dv[i] : 0) : v !== v ? NaN : 0;
  }
  return out;
}

export const relu6GradKernelConfig: KernelConfig = {
  kernelName: MedslimRelu6Grad,
  backendName: 'wasm',
  kernelFunc: relu6GradWasm as unknown as KernelFunc,
};

/** The Relu6 gradient: fast kernel on wasm, tfjs's original elsewhere. */
export function makeRelu6GradConfig(original: GradConfig): GradConfig {
  return {
    kernelName: 'Relu6',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      if (wasmFastPaths.relu6Grad && getBackend() === 'wasm' && !Array.isArray(dy)) {
        const [x] = saved;
        return { x: () => engine().runKernel(MedslimRelu6Grad, { dy, x }) as Tensor };
      }
      return original.gradFunc(dy, saved, attrs);
    },
  };
}
