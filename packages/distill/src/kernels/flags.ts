/**
 * Runtime switches for medslim's optional wasm fast paths (read on every
 * call, so benchmarks and tests can flip them without re-registering). The
 * three missing gradient kernels are not optional: without them wasm cannot
 * train at all.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { tookPath } from './paths.ts';

export interface WasmFastPathFlags {
  /** `Tile` of a broadcastable tensor as a K=1 ones-matmul (BatchNorm gradient). */
  tile: boolean;
  /** 1×1 stride-1 `Conv2DBackpropInput` as one matmul. */
  conv2dBackpropInput1x1: boolean;
  /** ReLU6 gradient as one fused pass instead of five tfjs ops. */
  relu6Grad: boolean;
  /** FusedBatchNorm (tf.batchNorm) forward as Multiply + Add instead of wasm's scalar loop. */
  batchNorm: boolean;
  /** FusedBatchNorm gradient from 3 binary kernels + 2 poolings instead of ~15 ops. */
  batchNormGrad: boolean;
  /** Sum/Mean over non-innermost contiguous axes in one pass, and their gradients as a Tile. */
  reductions: boolean;
  /** Identity and same-dtype Cast share the input's buffer instead of copying it (as tfjs's cpu backend does). */
  shareBuffers: boolean;
  /** Training-mode BatchNorm (moments + batchNorm) as one op with a closed-form gradient (BatchNormTrain.ts). */
  batchNormTrain: boolean;
}

export const wasmFastPaths: WasmFastPathFlags = {
  tile: true,
  conv2dBackpropInput1x1: true,
  relu6Grad: true,
  batchNorm: true,
  batchNormGrad: true,
  reductions: true,
  shareBuffers: true,
  batchNormTrain: true,
};

/** Every optional fast path off (the three missing gradient kernels stay). */
export const NO_FAST_PATHS: WasmFastPathFlags = { tile: false, conv2dBackpropInput1x1: false, relu6Grad: false, batchNorm: false, batchNormGrad: false, reductions: false, shareBuffers: false, batchNormTrain: false };

/** Sets some fast-path flags; returns the previous values (to restore). */
export function setWasmFastPaths(flags: Partial<WasmFastPathFlags>): WasmFastPathFlags {
  const prev = { ...wasmFastPaths };
  Object.assign(wasmFastPaths, flags);
  return prev;
}

/**
 * Wraps one of wasm's own kernels: `fastPath` runs while `wasmFastPaths[flag]` is on and answers the cases
 * it handles (null: not one of them); everything else goes to `original`, whose setup and dispose are kept.
 * Each call is counted as `<kernelName>:fast` or `<kernelName>:original` (paths.ts).
 */
export function withFastPath(original: KernelConfig, flag: keyof WasmFastPathFlags, fastPath: (args: never) => TensorInfo | null): KernelConfig {
  const kernelFunc = ((args: Parameters<KernelFunc>[0]) => {
    if (wasmFastPaths[flag]) {
      const out = fastPath(args as never);
      if (out != null) {
        tookPath(original.kernelName, 'fast');
        return out;
      }
    }
    tookPath(original.kernelName, 'original');
    return original.kernelFunc(args);
  }) as KernelFunc;
  return { kernelName: original.kernelName, backendName: 'wasm', kernelFunc, setupFunc: original.setupFunc, disposeFunc: original.disposeFunc };
}
