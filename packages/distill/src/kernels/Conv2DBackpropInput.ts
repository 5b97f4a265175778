/**
 * `Conv2DBackpropInput` fast path for the wasm backend.
 *
 * wasm's own Conv2DBackpropInput is a scalar C++ loop. For the 1×1, stride-1,
 * unpadded convolutions of MobileNetV2 (expand and project) the input gradient
 * is one matmul, dx[M,Cin] = dy[M,Cout] · Wᵀ[Cout,Cin] (M = N·H·W), on
 * XNNPACK's fully-connected path; Wᵀ is a fresh transposed copy of the filter,
 * so the matmul operator cache (per data id of `b`) is never shared. Every
 * other case is delegated to the original wasm kernel.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { withFastPath } from './flags.ts';
import { convInfo, withScope, type ConvGradAttrs } from './wasm-ops.ts';

type Attrs = ConvGradAttrs<'inputShape'>;

export function conv2DBackpropInput1x1(args: { inputs: { dy?: TensorInfo; filter?: TensorInfo }; backend: unknown; attrs?: unknown }): TensorInfo | null {
  const { dy, filter } = args.inputs;
  const attrs = args.attrs as Attrs | undefined;
  if (dy == null || filter == null || attrs == null) return null;
  if (attrs.dataFormat != null && attrs.dataFormat !== 'NHWC') return null;
  if (filter.shape.length !== 4 || filter.shape[0] !== 1 || filter.shape[1] !== 1) return null;
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const info = convInfo(attrs.inputShape, filter.shape, attrs.strides, 1, attrs.pad as never, attrs.dimRoundingMode, false);
  const { top, bottom, left, right } = info.padInfo;
  if (info.strideHeight !== 1 || info.strideWidth !== 1 || top + bottom + left + right !== 0) return null;
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Cin, outChannels: Cout } = info;
  if (info.outHeight !== H || info.outWidth !== W) return null;
  const M = N * H * W;
  if (M === 0 || Cin === 0 || Cout === 0) return null;
  return withScope(args.backend, (s) => {
    const wT = s.transpose(s.reshape(filter, [Cin, Cout]), [1, 0]); // fresh [Cout, Cin]
    return s.reshape(s.matMul2D(s.reshape(dy, [M, Cout]), wT, true), [N, H, W, Cin]);
  });
}

/** Wraps wasm's own Conv2DBackpropInput (kept for every other case). */
export function makeConv2DBackpropInputConfig(original: KernelConfig): KernelConfig {
  return withFastPath(original, 'conv2dBackpropInput1x1', conv2DBackpropInput1x1);
}
