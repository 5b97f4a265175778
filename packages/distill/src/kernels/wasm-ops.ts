/**
 * Helpers shared by medslim's wasm training kernels.
 *
 * Every added kernel is composed from kernels the wasm backend already has
 * (XNNPACK convolutions and matmuls, Transpose, PadV2, Sum, ...). They are
 * called at the backend level — `getKernel(name, 'wasm').kernelFunc` on
 * `TensorInfo`s — not through tfjs ops, so no engine tensors, tape entries or
 * tidy scopes are created inside a kernel. `KernelScope` tracks every
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

const kernelCache = new Map<string, KernelConfig>();

/** The wasm kernel registered under `name` (cached; throws when missing). */
export function wasmKernel(name: string): KernelConfig {
  let k = kernelCache.get(name);
  if (k === undefined) {
    k = getKernel(name, 'wasm');
    if (k == null) throw new Error(`medslim: the wasm backend has no '${name}' kernel (is @tensorflow/tfjs-backend-wasm loaded?)`);
    // Only cache kernels medslim never overrides, so a later override or
    // restore is always seen.
    if (!OVERRIDDEN.has(name)) kernelCache.set(name, k);
  }
  return k;
}

/** Kernel names medslim may replace at runtime (never cached above). */
const OVERRIDDEN = new Set(['Tile', 'Conv2DBackpropInput']);

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

  /** A copy into a new buffer (new data id). */
  copy(x: TensorInfo): TensorInfo {
    return this.run('Identity', { x });
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

  /** Slow (JS copy) — only used on small tensors or rare geometry. */
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
    return this.run('DepthwiseConv2dNative', { x, filter }, { strides, dilations, pad});
  }

  conv2d(x: TensorInfo, filter: TensorInfo, strides: [number, number], pad: ExplicitPad | 'same' | 'valid'): TensorInfo {
    return this.run('Conv2D', { x, filter }, { strides, dilations: [1, 1], pad, dataFormat: 'NHWC'});
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
