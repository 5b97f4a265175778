/**
 * `DepthwiseConv2dNativeBackpropFilter` for the wasm backend (which lacks it).
 *
 *   dF[kh,kw,c] = Σ_{n,oh,ow} x[n, oh·s+kh−pt, ow·s+kw−pl, c] · dy[n,oh,ow,c]
 *
 * is ONE depthwise convolution: x laid out as [1, H, W, N·C] (batch folded
 * into channels) convolved with dy laid out as an [OH, OW, N·C, 1] filter,
 * dilation = stride, the forward pads as explicit pads, giving [1, KH, KW, N·C];
 * the N partial filters are then summed. Two Transposes, one XNNPACK depthwise
 * conv and a small Sum. A channel multiplier m > 1 is handled by repeating
 * every x channel m times first (a K=1 matmul with a ones row).
 */
import { DepthwiseConv2dNativeBackpropFilter } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { assertNoDilation, convInfo, explicitPad, withScope } from './wasm-ops.ts';

interface Attrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: 'valid' | 'same' | number | Array<[number, number]>;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export function depthwiseConv2dNativeBackpropFilterWasm(args: { inputs: { x?: TensorInfo; dy?: TensorInfo }; backend: unknown; attrs?: unknown }): TensorInfo {
  const { x, dy } = args.inputs;
  if (x == null || dy == null) throw new Error('medslim wasm DepthwiseConv2dNativeBackpropFilter: missing x or dy');
  const attrs = args.attrs as unknown as Attrs;
  assertNoDilation('DepthwiseConv2dNativeBackpropFilter', attrs.dilations);
  const info = convInfo(x.shape, attrs.filterShape, attrs.strides, 1, attrs.pad as never, attrs.dimRoundingMode, true);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CM } = info;
  const KH = info.filterHeight;
  const KW = info.filterWidth;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const m = attrs.filterShape[3];
  const { top, left } = info.padInfo;
  if (dy.shape.length !== 4 || dy.shape[0] !== N || dy.shape[1] !== OH || dy.shape[2] !== OW || dy.shape[3] !== CM) {
    throw new Error(`medslim wasm DepthwiseConv2dNativeBackpropFilter: dy [${dy.shape}] does not match the conv output [${info.outShape}]`);
  }

  return withScope(args.backend, (s) => {
    if (N * OH * OW * CM === 0) return s.fill([KH, KW, C, m], 0);
    let xm = x;
    if (m > 1) {
      // Repeat each channel m times: [N·H·W·C, 1] · ones[1, m] → [N,H,W,C·m].
      const ones = s.fill([1, m], 1);
      xm = s.reshape(s.matMul2D(s.reshape(x, [N * H * W * C, 1]), ones, true), [N, H, W, CM]);
    }
    const xT = N === 1 ? xm : s.transpose(xm, [1, 2, 0, 3]); // [H, W, N, CM]
    const dyT = N === 1 ? dy : s.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, CM]
    const xL = s.reshape(xT, [1, H, W, N * CM]);
    const f = s.reshape(dyT, [OH, OW, N * CM, 1]);
    // Output rows = top + H + bottom − ((OH−1)·sh + 1) + 1 must be KH.
    const bottom = KH + (OH - 1) * sh - H - top;
    const right = KW + (OW - 1) * sw - W - left;
    let g = s.depthwiseConv(xL, f, [1, 1], [sh, sw], explicitPad(top, Math.max(bottom, 0), left, Math.max(right, 0)));
    // A negative bottom/right (x rows the forward conv never read) leaves extra rows: drop them.
    g = s.slice(g, [0, 0, 0, 0], [1, KH, KW, N * CM]);
    if (N > 1) g = s.sum(s.reshape(g, [KH * KW, N, CM]), [1]);
    return s.reshape(g, [KH, KW, C, m]);
  });
}

export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropFilterWasm as unknown as KernelFunc,
};
