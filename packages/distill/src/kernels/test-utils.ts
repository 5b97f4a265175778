/**
 * Helpers for the wasm-vs-cpu gradient tests (not a test file itself).
 *
 * Every case computes the same thing on tfjs's `cpu` backend (the reference)
 * and on `wasm` with medslim's kernels, on seeded random inputs, and compares
 * with  max |wasm − cpu| ≤ TOL · max(1, max |cpu|).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';
import { ensureTfjsGradients } from '../backend/gradients.ts';
import { registerWasmTrainingKernels } from './register.ts';

export { tf };

/** Relative tolerance used by every comparison. */
export const TOL = 1e-4;

/** Loads tfjs's gradients, registers medslim's kernels and initialises both backends. */
export async function setupBackends(): Promise<void> {
  tf.env().set('IS_TEST', true); // silences the cpu backend's "install tfjs-node" banner
  await ensureTfjsGradients();
  registerWasmTrainingKernels();
  for (const b of ['cpu', 'wasm']) {
    if (!(await tf.setBackend(b))) throw new Error(`backend ${b} failed to initialise`);
  }
}

/** Deterministic uniform(lo, hi) values (mulberry32). */
export function seeded(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (hi - lo));
  }
  return out;
}

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

/** max |a − b| and max |b| (b is the reference); NaN in both places counts as equal. */
export function maxDiff(a: Float32Array, b: Float32Array): { diff: number; ref: number } {
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < b.length; i++) {
    const an = Number.isNaN(a[i]);
    const bn = Number.isNaN(b[i]);
    if (an || bn) {
      if (an !== bn) diff = Infinity;
      continue;
    }
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    ref = Math.max(ref, Math.abs(b[i]));
  }
  return { diff, ref };
}

export function expectClose(actual: Result, reference: Result, label: string, tol = TOL): void {
  expect(actual.shape, `${label}: shape`).toEqual(reference.shape);
  const { diff, ref } = maxDiff(actual.values, reference.values);
  expect(diff, `${label}: max |wasm − cpu| = ${diff} (max |cpu| = ${ref})`).toBeLessThanOrEqual(tol * Math.max(1, ref));
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
