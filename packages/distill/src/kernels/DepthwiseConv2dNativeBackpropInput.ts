/**
 * `DepthwiseConv2dNativeBackpropInput` for the wasm backend (which lacks it).
 *
 * dx is a stride-1 depthwise convolution of the zero-inserted dy with the
 * 180°-rotated filter:
 *
 *   dx[n,h,w,c] = Σ_{kh,kw} dŷ[n, h+pt−kh, w+pl−kw, c] · f[kh,kw,c]
 *
 * where dŷ holds dy[oh,ow] at (oh·s, ow·s) and zeros elsewhere. Zero insertion
 * is two PadV2 calls on reshaped views (a [.., OW, 1, C] → [.., OW, s, C]
 * pad interleaves s−1 zero columns after each column; the same for rows), the
 * border is the conv's own explicit padding (KH−1−pt on top), and the
 * convolution is XNNPACK's depthwise kernel. A channel multiplier m > 1 is
 * supported: the conv runs over the C·m dy channels and groups of m are summed.
 */
import { DepthwiseConv2dNativeBackpropInput } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { KernelScope, assertNoDilation, convInfo, explicitPad, withScope, type ConvGradAttrs } from './wasm-ops.ts';

type Attrs = ConvGradAttrs<'inputShape'>;

/** Interleaves s−1 zeros after every element along axis 1 (rows) or 2 (cols) of NHWC. */
export function zeroInsert(s: KernelScope, t: TensorInfo, strideH: number, strideW: number): TensorInfo {
  let [N, H, W, C] = t.shape;
  let out = t;
  if (strideW > 1) {
    const r = s.reshape(out, [N * H, W, 1, C]);
    out = s.reshape(s.pad(r, [[0, 0], [0, 0], [0, strideW - 1], [0, 0]]), [N, H, W * strideW, C]);
    W *= strideW;
  }
  if (strideH > 1) {
    const r = s.reshape(out, [N, H, 1, W * C]);
    out = s.reshape(s.pad(r, [[0, 0], [0, 0], [0, strideH - 1], [0, 0]]), [N, H * strideH, W, C]);
  }
  return out;
}

export function depthwiseConv2dNativeBackpropInputWasm(args: { inputs: { dy?: TensorInfo; filter?: TensorInfo }; backend: unknown; attrs?: unknown }): TensorInfo {
  const { dy, filter } = args.inputs;
  if (dy == null || filter == null) throw new Error('medslim wasm DepthwiseConv2dNativeBackpropInput: missing dy or filter');
  const attrs = args.attrs as unknown as Attrs;
  assertNoDilation('DepthwiseConv2dNativeBackpropInput', attrs.dilations);
  const info = convInfo(attrs.inputShape, filter.shape, attrs.strides, 1, attrs.pad as never, attrs.dimRoundingMode, true);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CM } = info;
  const KH = info.filterHeight;
  const KW = info.filterWidth;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const m = filter.shape[3];
  if (dy.shape.length !== 4 || dy.shape[0] !== N || dy.shape[1] !== OH || dy.shape[2] !== OW || dy.shape[3] !== CM) {
    throw new Error(`medslim wasm DepthwiseConv2dNativeBackpropInput: dy [${dy.shape}] does not match the conv output [${info.outShape}]`);
  }

  return withScope(args.backend, (s) => {
    if (N * H * W * C === 0) return s.fill([N, H, W, C], 0);
    if (N * OH * OW === 0) return s.fill([N, H, W, C], 0);
    const dyd = zeroInsert(s, dy, sh, sw); // [N, OH·sh, OW·sw, CM]
    const Lh = dyd.shape[1];
    const Lw = dyd.shape[2];
    const top = KH - 1 - info.padInfo.top;
    const left = KW - 1 - info.padInfo.left;
    const bottom = H + KH - 1 - top - Lh;
    const right = W + KW - 1 - left - Lw;
    const t = Math.max(top, 0);
    const b = Math.max(bottom, 0);
    const l = Math.max(left, 0);
    const r = Math.max(right, 0);

    const rotated = s.run('Reverse', { x: filter }, { dims: [0, 1] });
    const f = s.reshape(rotated, [KH, KW, CM, 1]);
    let dx = s.depthwiseConv(dyd, f, [1, 1], [1, 1], explicitPad(t, b, l, r)); // [N, ≥H, ≥W, CM]
    // Only with explicit pads > KH−1 or a filter smaller than the stride.
    dx = s.slice(dx, [0, t - top, l - left, 0], [N, H, W, CM]);
    if (m > 1) dx = s.reshape(s.sum(s.reshape(dx, [N * H * W * C, m]), [1]), [N, H, W, C]);
    return dx;
  });
}

export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropInputWasm as unknown as KernelFunc,
};
