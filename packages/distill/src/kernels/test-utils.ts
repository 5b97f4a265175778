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
import { expect } from 'vitest';
import { seededUniform } from '@medslim/data';
import { ensureTfjsGradients } from '../backend/gradients.ts';
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

/** Runs `f` on cpu and on wasm and compares every output. */
export async function compareBackends(label: string, f: () => tf.Tensor | tf.Tensor[], tol = TOL): Promise<void> {
  const ref = await runOn('cpu', f);
  const got = await runOn('wasm', f);
  expect(got.length).toBe(ref.length);
  got.forEach((g, i) => expectClose(g, ref[i], `${label} [output ${i}]`, tol));
}

export type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

export function padLabel(pad: Pad): string {
  return typeof pad === 'string' || typeof pad === 'number' ? String(pad) : JSON.stringify(pad);
}
