/**
 * `Conv2DBackpropFilter` for the wasm backend (which lacks it).
 *
 *   dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s+kh−pt, ow·s+kw−pl, ci] · dy[n,oh,ow,co]
 *
 * i.e. dW = Pᵀ·DY with P the [M, KH·KW·Cin] patch matrix (M = N·OH·OW). To stay
 * on XNNPACK's fast fully-connected path (rank 2, no transpose flags) it is
 * computed as dWᵀ = DYᵀ·P: `DYᵀ` is one Transpose, `P` is the `b` operand.
 *
 *  - 1×1, stride 1, no padding: P is x itself; the operand with fewer
 *    channels is copied to a fresh buffer (BatchMatMul caches by data id).
 *  - small KH·KW·Cin (the 3-channel stem): P comes from ONE Conv2D of x with a
 *    one-hot [KH,KW,Cin,KH·KW·Cin] filter (im2col as a GEMM, same strides and
 *    padding as the forward conv, so zero padding is exact).
 *  - otherwise, per filter tap: the tap's window of x is a DepthwiseConv2d with
 *    a one-hot [KH,KW,Cin,1] filter (again same strides/padding), and its
 *    contribution is DYᵀ·window.
 */
import { Conv2DBackpropFilter } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { tookPath } from './paths.ts';
import { KernelScope, assertNHWC, convInfo, explicitPad, withScope, type ConvGradAttrs } from './wasm-ops.ts';

/** Above this KH·KW·Cin the per-tap path is used instead of one-hot im2col. */
export const IM2COL_MAX_PATCH = 32;

type Attrs = ConvGradAttrs<'filterShape'>;

export function conv2DBackpropFilterWasm(args: { inputs: { x?: TensorInfo; dy?: TensorInfo }; backend: unknown; attrs?: unknown }): TensorInfo {
  const { x, dy } = args.inputs;
  if (x == null || dy == null) throw new Error('medslim wasm Conv2DBackpropFilter: missing x or dy');
  const attrs = args.attrs as unknown as Attrs;
  assertNHWC('Conv2DBackpropFilter', attrs.dataFormat);
  const info = convInfo(x.shape, attrs.filterShape, attrs.strides, 1, attrs.pad as never, attrs.dimRoundingMode, false);
  const { batchSize: N, outHeight: OH, outWidth: OW, inChannels: Cin, outChannels: Cout } = info;
  const KH = info.filterHeight;
  const KW = info.filterWidth;
  const M = N * OH * OW;
  const { top, bottom, left, right } = info.padInfo;
  const strides: [number, number] = [info.strideHeight, info.strideWidth];
  const pad = explicitPad(top, bottom, left, right);
  if (dy.shape.length !== 4 || dy.shape[0] !== N || dy.shape[1] !== OH || dy.shape[2] !== OW || dy.shape[3] !== Cout) {
    throw new Error(`medslim wasm Conv2DBackpropFilter: dy [${dy.shape}] does not match the conv output [${info.outShape}]`);
  }

  return withScope(args.backend, (s) => {
    if (M === 0) return s.fill([KH, KW, Cin, Cout], 0);
    if (KH === 1 && KW === 1 && strides[0] === 1 && strides[1] === 1 && top + bottom + left + right === 0) {
      tookPath('Conv2DBackpropFilter', '1x1');
      const X = s.reshape(x, [M, Cin]);
      const DY = s.reshape(dy, [M, Cout]);
      // The narrower operand is `b` (XNNPACK packs b per call: its width
      // dominates the cost), the wider one is transposed into `a`.
      if (Cin <= Cout) {
        // dWᵀ [Cout,Cin] = DYᵀ·X, then a small transpose.
        const dWt = s.matMul2D(s.transposeToChannelsFirst(DY), X, false);
        return s.reshape(s.transpose(dWt, [1, 0]), [1, 1, Cin, Cout]);
      }
      // dW [Cin,Cout] = Xᵀ·DY.
      return s.reshape(s.matMul2D(s.transposeToChannelsFirst(X), DY, false), [1, 1, Cin, Cout]);
    }

    const dyT = s.transposeToChannelsFirst(s.reshape(dy, [M, Cout])); // [Cout, M]
    const taps = KH * KW;
    if (taps * Cin <= IM2COL_MAX_PATCH) {
      tookPath('Conv2DBackpropFilter', 'im2col');
      const K = taps * Cin;
      const oneHot = new Float32Array(K * K); // [KH,KW,Cin,K]: row r = (kh,kw,ci) → column r
      for (let r = 0; r < K; r++) oneHot[r * K + r] = 1;
      const patches = s.conv2d(x, s.constant(oneHot, [KH, KW, Cin, K]), strides, pad); // [N,OH,OW,K]
      const dWt = s.matMul2D(dyT, s.reshape(patches, [M, K]), true); // [Cout, K]
      return s.reshape(s.transpose(dWt, [1, 0]), [KH, KW, Cin, Cout]);
    }
    tookPath('Conv2DBackpropFilter', 'taps');
    return perTap(s, x, dyT, KH, KW, Cin, Cout, M, strides, pad);
  });
}

function perTap(
  s: KernelScope,
  x: TensorInfo,
  dyT: TensorInfo,
  KH: number,
  KW: number,
  Cin: number,
  Cout: number,
  M: number,
  strides: [number, number],
  pad: ReturnType<typeof explicitPad>,
): TensorInfo {
  const parts: TensorInfo[] = [];
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const f = new Float32Array(KH * KW * Cin);
      f.fill(1, (kh * KW + kw) * Cin, (kh * KW + kw + 1) * Cin);
      const oneHot = s.constant(f, [KH, KW, Cin, 1]);
      const win = s.depthwiseConv(x, oneHot, strides, [1, 1], pad); // [N,OH,OW,Cin]
      const w2 = s.reshape(win, [M, Cin]);
      parts.push(s.matMul2D(dyT, w2, true)); // [Cout, Cin]
      s.drop(w2, win, oneHot);
    }
  }
  const stacked = s.run('Concat', parts as unknown as NamedTensorInfoMap, { axis: 0 }); // [taps·Cout, Cin]
  const t = s.transpose(s.reshape(stacked, [KH * KW, Cout, Cin]), [0, 2, 1]); // [taps, Cin, Cout]
  return s.reshape(t, [KH, KW, Cin, Cout]);
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelFunc,
};
