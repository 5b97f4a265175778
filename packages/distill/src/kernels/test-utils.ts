/**
 * Helpers for the wasm-vs-cpu gradient tests (not a test file itself).
 *
 * Every case computes the same thing on tfjs's `cpu` backend (the reference)
 * and on `wasm` with medslim's kernels, on seeded random inputs, and compares
 * every element:  |wasm − cpu| ≤ RTOL · |cpu| + ATOL · max |cpu|  — a relative
 * bound per element, plus an absolute slack scaled to the tensor for elements
 * that are sums cancelling to near zero (float32 accumulation error is relative
 * to the summands, not to the sum).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { expect, it } from 'vitest';
import { seededUniform } from '@medslim/data';
import { ensureTfjsGradients } from '../backend/gradients.ts';
import { setWasmFastPaths, type WasmFastPathFlags } from './flags.ts';
import { kernelPathCounts, resetKernelPathCounts } from './paths.ts';
import { registerWasmTrainingKernels } from './register.ts';

export { tf };

/** Per-element relative tolerance. */
export const TOL = 1e-4;
/** Absolute slack as a fraction of the reference tensor's largest magnitude. */
export const ATOL = 1e-5;

/** Loads tfjs's gradients, registers medslim's kernels and initialises both backends. */
export async function setupBackends(): Promise<void> {
  tf.env().set('IS_TEST', true); // silences the cpu backend's "install tfjs-node" banner
  await ensureTfjsGradients();
  registerWasmTrainingKernels();
  for (const b of ['cpu', 'wasm']) {
    if (!(await tf.setBackend(b))) throw new Error(`backend ${b} failed to initialise`);
  }
}

/** Deterministic uniform [lo, hi) values (mulberry32). */
export const seeded = seededUniform;

export interface Result {
  shape: number[];
  values: Float32Array;
}

/** Runs `f` on `backend` inside a tidy and copies its result(s) out. */
export async function runOn(backend: 'cpu' | 'wasm', f: () => tf.Tensor | tf.Tensor[]): Promise<Result[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(() => {
    const r = f();
    return Array.isArray(r) ? r : [r];
  });
  const results = outs.map((t) => ({ shape: t.shape.slice(), values: Float32Array.from(t.dataSync()) }));
  tf.dispose(outs);
  expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(before);
  return results;
}

/**
 * The element that breaks |a − b| ≤ rtol·|b| + atol·max|b| worst (b is the reference), as its excess ratio
 * (≤ 1 passes); NaN in both places counts as equal, NaN in one as a failure.
 */
export function worstElement(a: Float32Array, b: Float32Array, rtol: number, atol: number): { ratio: number; index: number; got: number; want: number; maxRef: number } {
  let maxRef = 0;
  for (let i = 0; i < b.length; i++) if (!Number.isNaN(b[i])) maxRef = Math.max(maxRef, Math.abs(b[i]));
  let worst = { ratio: 0, index: -1, got: NaN, want: NaN, maxRef };
  for (let i = 0; i < b.length; i++) {
    const an = Number.isNaN(a[i]);
    const bn = Number.isNaN(b[i]);
    if (an || bn) {
      if (an !== bn) return { ratio: Infinity, index: i, got: a[i], want: b[i], maxRef };
      continue;
    }
    const bound = rtol * Math.abs(b[i]) + atol * maxRef;
    const diff = Math.abs(a[i] - b[i]);
    const ratio = diff === 0 ? 0 : bound === 0 ? Infinity : diff / bound;
    if (ratio > worst.ratio) worst = { ratio, index: i, got: a[i], want: b[i], maxRef };
  }
  return worst;
}

export function expectClose(actual: Result, reference: Result, label: string, tol = TOL, atol = ATOL): void {
  expect(actual.shape, `${label}: shape`).toEqual(reference.shape);
  const w = worstElement(actual.values, reference.values, tol, atol);
  expect(w.ratio, `${label}: element ${w.index} wasm ${w.got} vs cpu ${w.want} (bound ${tol}·|cpu| + ${atol}·${w.maxRef})`).toBeLessThanOrEqual(1);
}

/**
 * Runs `f` on cpu and on wasm and compares every output.
 * @returns the kernel paths the wasm run took (`<kernel>:<path>` → calls, see paths.ts), for the caller to
 *   assert that its case ran the path it is meant to cover
 */
export async function compareBackends(label: string, f: () => tf.Tensor | tf.Tensor[], tol = TOL): Promise<Record<string, number>> {
  const ref = await runOn('cpu', f);
  resetKernelPathCounts();
  const got = await runOn('wasm', f);
  const paths = kernelPathCounts();
  expect(got.length).toBe(ref.length);
  got.forEach((g, i) => expectClose(g, ref[i], `${label} [output ${i}]`, tol));
  return paths;
}

/** The paths of `kernel` taken in `paths` (e.g. `{ im2col: 1 }`), for `toEqual` assertions. */
export function pathsOf(paths: Record<string, number>, kernel: string): Record<string, number> {
  return Object.fromEntries(Object.entries(paths).filter(([k]) => k.startsWith(`${kernel}:`)).map(([k, n]) => [k.slice(kernel.length + 1), n]));
}

export type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

export function padLabel(pad: Pad): string {
  return typeof pad === 'string' || typeof pad === 'number' ? String(pad) : JSON.stringify(pad);
}

/** The four convolution gradient kernels medslim registers on wasm. */
export type ConvGradKernel = 'Conv2DBackpropFilter' | 'Conv2DBackpropInput' | 'DepthwiseConv2dNativeBackpropFilter' | 'DepthwiseConv2dNativeBackpropInput';

/**
 * Seeded inputs of a convolution gradient for x `[N, H, W, C]` (NHWC) and a k×k filter: `[k, k, C, out]`, where
 * `out` is Cout for a convolution and the channel multiplier for a depthwise one. `first` (the filter gradient's x,
 * or the input gradient's filter) takes `seed`, dy takes `seed + 1`.
 */
export function convGradInputs(kernel: ConvGradKernel, xShape: number[], k: number, out: number, strides: number, pad: Pad, seed: number) {
  const depthwise = kernel.startsWith('Depthwise');
  const filterShape = [k, k, xShape[3], out] as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape, strides, 1, pad as never, undefined, depthwise);
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const filterGrad = kernel.endsWith('Filter');
  return {
    depthwise,
    filterShape,
    dyShape: info.outShape,
    first: seeded(size(filterGrad ? xShape : filterShape), seed),
    dyv: seeded(size(info.outShape), seed + 1),
  };
}

/** `kernel` run through the engine on {@link convGradInputs} (what {@link compareBackends} runs on both backends). */
export function convGrad(kernel: ConvGradKernel, xShape: number[], k: number, out: number, strides: number, pad: Pad, seed: number): () => tf.Tensor {
  const { depthwise, filterShape, dyShape, first, dyv } = convGradInputs(kernel, xShape, k, out, strides, pad, seed);
  const layout = depthwise ? { dilations: 1 } : { dataFormat: 'NHWC' };
  return () => {
    const dy = tf.tensor(dyv, dyShape);
    const [inputs, shape] = kernel.endsWith('Filter')
      ? [{ x: tf.tensor(first, xShape), dy }, { filterShape }]
      : [{ dy, filter: tf.tensor(first, filterShape) }, { inputShape: xShape }];
    return tf.engine().runKernel(kernel, inputs, { strides, pad, ...layout, ...shape } as never) as tf.Tensor;
  };
}

/** x `[N, H, W, C]` and the filter's last dimension (Cout, or the depthwise channel multiplier). */
export type ConvShape = readonly [N: number, H: number, W: number, C: number, out: number];

/**
 * Registers one test per case of {@link convSweep} (k ∈ {1, 3} × stride ∈ {1, 2} × pad ∈ {same, valid} × `shapes`,
 * case i seeded `seed + (i + 1) · step`), each comparing `kernel` on wasm with cpu element by element
 * ({@link compareBackends}); `flags` are wasm fast-path switches set for the case (and restored after it).
 * `path`, when given, names the kernel path (paths.ts) each case must run; the case fails when another ran.
 */
export function itConvSweep(kernel: ConvGradKernel, shapes: readonly ConvShape[], seed: number, step: number, flags?: Partial<WasmFastPathFlags>, path?: (c: ConvCase<ConvShape>) => string): void {
  const on = flags ? `${Object.entries(flags).map(([f, v]) => `${f} ${v ? 'on' : 'off'}`).join(', ')}: ` : '';
  for (const c of convSweep(shapes, seed, step)) {
    const { k, strides, pad, shape: [N, H, W, C, out], seed: s, label } = c;
    it(`${on}${label} x [${N},${H},${W},${C}], filter out ${out}${path ? ` (${path(c)} path)` : ''}`, async () => {
      const prev = flags ? setWasmFastPaths(flags) : null;
      try {
        const paths = await compareBackends(kernel, convGrad(kernel, [N, H, W, C], k, out, strides, pad, s));
        if (path) expect(pathsOf(paths, kernel)).toEqual({ [path(c)]: 1 });
      } finally {
        if (prev) setWasmFastPaths(prev);
      }
    });
  }
}

/** One case of {@link convSweep}. */
export interface ConvCase<S extends readonly number[]> {
  k: number;
  strides: number;
  pad: Pad;
  shape: S;
  seed: number;
  label: string;
}

/**
 * The sweep every convolution gradient test runs: k ∈ {1, 3} × stride ∈ {1, 2} × pad ∈ {same, valid} × `shapes`,
 * case i seeded `seed + (i + 1) · step`; `label` says `k×k stride s pad`.
 */
export function convSweep<S extends readonly number[]>(shapes: readonly S[], seed: number, step: number): ConvCase<S>[] {
  const cases: ConvCase<S>[] = [];
  for (const k of [1, 3]) {
    for (const strides of [1, 2]) {
      for (const pad of ['same', 'valid'] as Pad[]) {
        for (const shape of shapes) cases.push({ k, strides, pad, shape, seed: (seed += step), label: `${k}×${k} stride ${strides} ${padLabel(pad)}` });
      }
    }
  }
  return cases;
}
