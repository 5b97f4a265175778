/**
 * Helpers shared by medslim's wasm training kernels.
 *
 * Every added kernel is composed from kernels the wasm backend already has
 * and runs fast (XNNPACK Conv2D / depthwise / fully-connected / average
 * pooling, SIMD binary and unary kernels, rank-3/4 Transpose, PadV2) plus
 * bulk typed-array copies on the heap (as wasm's own Identity, Slice and
 * Concat do) and O(channels) JS arithmetic. They are called at the backend
 * level — `getKernel(name, 'wasm').kernelFunc` on `TensorInfo`s — not through
 * tfjs ops, so no engine tensors, tape entries or tidy scopes are created
 * inside a kernel. `KernelScope` tracks every
 * intermediate and releases it with `backend.disposeData` (reference counted,
 * exactly like the wasm backend's own composite kernels do).
 *
 * Two wasm caches matter here:
 *  - `BatchMatMul` (and `_FusedMatMul`) caches its XNNPACK operator, with the
 *    packed `b` matrix, per data id of `b` — NOT per shape. A reshape shares
 *    the data id, so using one buffer as `b` under two shapes silently reuses
 *    the first shape. `matMul2D` therefore only ever feeds buffers created by
 *    the calling kernel as `b` (`bIsFresh`), and otherwise copies `b` first.
 *  - `Conv2D` / `DepthwiseConv2dNative` cache per filter id plus geometry, so a
 *    filter created inside a kernel gets a fresh operator that is deleted when
 *    the filter is disposed.
 */
import { backend_util, getKernel } from '@tensorflow/tfjs-core';
import type { DataType, KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type Shape = number[];

export type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The wasm kernel registered under `name` (throws when missing). */
export function wasmKernel(name: string): KernelConfig {
  const k = getKernel(name, 'wasm');
  if (k == null) throw new Error(`medslim: the wasm backend has no '${name}' kernel (is @tensorflow/tfjs-backend-wasm loaded?)`);
  return k;
}

/**
 * Runs wasm kernels on TensorInfos and disposes every intermediate it made,
 * except the ones passed to `keep`.
 */
export class KernelScope {
  private readonly temps: TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  run(name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const out = wasmKernel(name).kernelFunc({ inputs, backend: this.backend, attrs });
    if (Array.isArray(out)) {
      this.temps.push(...out);
      if (out.length !== 1) throw new Error(`medslim: kernel '${name}' returned ${out.length} outputs`);
      return out[0];
    }
    this.temps.push(out);
    return out;
  }

  /** A reshape: shares the data id (reference counted). */
  reshape(x: TensorInfo, shape: Shape): TensorInfo {
    if (sameShape(x.shape, shape)) return x;
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /**
   * A copy into a new buffer (new data id). Done here rather than through the
   * Identity kernel so it stays a real copy whatever Identity does.
   */
  copy(x: TensorInfo): TensorInfo {
    const out = this.backend.makeOutput(x.shape, x.dtype) as TensorInfo;
    this.temps.push(out);
    (this.backend.typedArrayFromHeap(out) as Float32Array).set(this.backend.typedArrayFromHeap(x) as Float32Array);
    return out;
  }

  fill(shape: Shape, value: number, dtype: DataType = 'float32'): TensorInfo {
    return this.run('Fill', {}, { shape, value, dtype });
  }

  /** A float32 tensor written from JS (small constants: one-hot filters, ...). */
  constant(values: Float32Array, shape: Shape): TensorInfo {
    const out = this.backend.makeOutput(shape, 'float32') as TensorInfo;
    this.temps.push(out);
    (this.backend.typedArrayFromHeap(out) as Float32Array).set(values);
    return out;
  }

  pad(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  /** wasm's Slice first copies all of x into JS: only for small tensors or rare geometry. */
  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    if (begin.every((b) => b === 0) && sameShape(size, x.shape)) return x;
    return this.run('Slice', { x }, { begin, size });
  }

  sum(x: TensorInfo, axis: number[]): TensorInfo {
    return this.run('Sum', { x }, { axis, keepDims: false });
  }

  /**
   * a[M,K] · b[K,N] on the XNNPACK fully-connected path (rank 2, no transpose
   * flags). `bIsFresh` must only be true when `b`'s buffer was created by the
   * calling kernel and is used as `b` under this one shape; otherwise `b` is
   * copied first (see the cache note at the top of this file).
   */
  matMul2D(a: TensorInfo, b: TensorInfo, bIsFresh: boolean): TensorInfo {
    if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[0]) {
      throw new Error(`medslim matMul2D: bad shapes [${a.shape}]·[${b.shape}]`);
    }
    const bb = bIsFresh ? b : this.copy(b);
    return this.run('BatchMatMul', { a, b: bb }, { transposeA: false, transposeB: false });
  }

  depthwiseConv(x: TensorInfo, filter: TensorInfo, strides: [number, number], dilations: [number, number], pad: ExplicitPad | 'same' | 'valid'): TensorInfo {
    return this.run('DepthwiseConv2dNative', { x, filter }, { strides, dilations, pad });
  }

  conv2d(x: TensorInfo, filter: TensorInfo, strides: [number, number], pad: ExplicitPad | 'same' | 'valid'): TensorInfo {
    return this.run('Conv2D', { x, filter }, { strides, dilations: [1, 1], pad, dataFormat: 'NHWC' });
  }

  add(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('Add', { a, b });
  }

  sub(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('Sub', { a, b });
  }

  mul(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('Multiply', { a, b });
  }

  step(x: TensorInfo): TensorInfo {
    return this.run('Step', { x }, { alpha: 0 });
  }

  scalar(v: number): TensorInfo {
    return this.constant(Float32Array.of(v), []);
  }

  /**
   * Means over the middle axis of x viewed as [outer, reduce, inner] → [outer, inner],
   * as ONE XNNPACK average pooling with an [reduce, 1] window (SIMD over
   * `inner`, no Transpose).
   */
  meanRows(x: TensorInfo, outer: number, reduce: number, inner: number): TensorInfo {
    if (reduce === 1) return this.reshape(x, [outer, inner]); // XNNPACK pooling needs a window > 1
    const r = this.reshape(x, [outer, reduce, 1, inner]);
    const p = this.run('AvgPool', { x: r }, { filterSize: [reduce, 1], strides: [1, 1], pad: 'valid' });
    return this.reshape(p, [outer, inner]);
  }

  /**
   * [M, C] → [C, M]. wasm's rank-2 Transpose is about twice as slow as the
   * same permutation written as a rank-3 one ([A, M/A, C] → [C, A, M/A]).
   */
  transposeToChannelsFirst(x: TensorInfo): TensorInfo {
    const [M, C] = x.shape;
    let A = 0;
    for (const cand of [256, 196, 128, 64, 49, 32, 16, 8]) {
      if (M % cand === 0 && M / cand > 1) {
        A = cand;
        break;
      }
    }
    if (A === 0) return this.transpose(x, [1, 0]);
    return this.reshape(this.transpose(this.reshape(x, [A, M / A, C]), [2, 0, 1]), [C, M]);
  }

  /**
   * A fresh float32 tensor of `shape` whose flat data is src[offset …], zero
   * where that runs past the end of src (one bulk copy on the heap).
   */
  window(src: TensorInfo, offset: number, shape: Shape): TensorInfo {
    const out = this.backend.makeOutput(shape, 'float32') as TensorInfo;
    this.temps.push(out);
    const n = sizeOf(shape);
    const sv = this.backend.typedArrayFromHeap(src) as Float32Array;
    const ov = this.backend.typedArrayFromHeap(out) as Float32Array;
    const avail = Math.max(0, Math.min(n, sv.length - offset));
    ov.set(sv.subarray(offset, offset + avail));
    if (avail < n) ov.fill(0, avail);
    return out;
  }

  /** Releases intermediates early (keeps peak memory down in loops). */
  drop(...ts: TensorInfo[]): void {
    for (const t of ts) {
      const i = this.temps.indexOf(t);
      if (i >= 0) {
        this.temps.splice(i, 1);
        this.backend.disposeData(t.dataId);
      }
    }
  }

  /** Mark `x` as the kernel's output: it survives `dispose`. */
  keep(x: TensorInfo): TensorInfo {
    // A result may be a reshape of an input (same data id); the engine expects
    // every output to hold its own reference.
    const i = this.temps.indexOf(x);
    if (i >= 0) this.temps.splice(i, 1);
    else this.backend.incRef(x.dataId);
    return x;
  }

  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Runs `body` with a scope that is always disposed. */
export function withScope(backend: unknown, body: (s: KernelScope) => TensorInfo): TensorInfo {
  const s = new KernelScope(backend as BackendWasm);
  try {
    return s.keep(body(s));
  } finally {
    s.dispose();
  }
}

export function explicitPad(top: number, bottom: number, left: number, right: number): ExplicitPad {
  return [[0, 0], [top, bottom], [left, right], [0, 0]];
}

export function pair(v: number | number[] | undefined, fallback = 1): [number, number] {
  if (v == null) return [fallback, fallback];
  if (typeof v === 'number') return [v, v];
  return [v[0], v.length > 1 ? v[1] : v[0]];
}

type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;

/**
 * The attributes of tfjs's convolution gradient kernels (Conv2DBackpropFilter/Input, DepthwiseConv2dNativeBackprop*),
 * with the shape of what the kernel computes: `filterShape` for a filter gradient, `inputShape` for an input gradient.
 */
export type ConvGradAttrs<Shape extends 'filterShape' | 'inputShape'> = {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: 'valid' | 'same' | number | Array<[number, number]>;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
} & { [K in Shape]: [number, number, number, number] };

/** tfjs's own conv geometry (pads, output size) for NHWC. */
export function convInfo(
  xShape: number[],
  filterShape: number[],
  strides: number | number[],
  dilations: number | number[] | undefined,
  pad: Pad,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
  depthwise: boolean,
): backend_util.Conv2DInfo {
  if (xShape.length !== 4 || filterShape.length !== 4) {
    throw new Error(`medslim: conv gradients need rank-4 NHWC x and filter, got x [${xShape}] and filter [${filterShape}]`);
  }
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    pair(strides),
    pair(dilations),
    pad,
    dimRoundingMode,
    depthwise,
    'channelsLast',
  );
}

export function assertNHWC(kernel: string, dataFormat: unknown): void {
  if (dataFormat != null && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`medslim wasm ${kernel}: only NHWC is supported, got dataFormat '${String(dataFormat)}'`);
  }
}

export function assertNoDilation(kernel: string, dilations: number | number[] | undefined): void {
  const [dh, dw] = pair(dilations);
  if (dh !== 1 || dw !== 1) {
    throw new Error(`medslim wasm ${kernel}: dilations other than 1 are not supported (got [${dh}, ${dw}]); tfjs gradients never request them`);
  }
}

/**
 * A Float32Array view of a float32 tensor on the wasm heap. Take views only
 * after the last `makeOutput` of a kernel: growing the heap detaches them.
 */
export function heapF32(backend: BackendWasm, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Normalised, sorted reduction axes, or null when they are not one contiguous run. */
export function contiguousAxes(shape: readonly number[], axis: number | number[] | undefined | null): { outer: number; inner: number; reduce: number; axes: number[] } | null {
  const rank = shape.length;
  let axes: number[];
  if (axis == null) axes = shape.map((_, i) => i);
  else axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a));
  axes = [...new Set(axes)].sort((a, b) => a - b);
  if (axes.length === 0 || axes.some((a) => a < 0 || a >= rank || !Number.isInteger(a))) return null;
  for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[i - 1] + 1) return null;
  const first = axes[0];
  const last = axes[axes.length - 1];
  return {
    outer: sizeOf(shape.slice(0, first)),
    reduce: sizeOf(shape.slice(first, last + 1)),
    inner: sizeOf(shape.slice(last + 1)),
    axes,
  };
}
