/**
 * Registers medslim's wasm training kernels (idempotent).
 *
 *  - added (wasm has none): Conv2DBackpropFilter,
 *    DepthwiseConv2dNativeBackpropInput, DepthwiseConv2dNativeBackpropFilter,
 *    MedslimRelu6Grad (used by the replacement Relu6 gradient);
 *  - wrapped (fast path, else wasm's original kernelFunc): Tile,
 *    Conv2DBackpropInput. `registerKernel` must not see a name twice, so the
 *    original config is read first, then unregistered, then the wrapper —
 *    which keeps the original's setupFunc, since the engine re-runs setup
 *    funcs on every setBackend('wasm') and the original needs its cwrap —
 *    is registered;
 *  - gradient: Relu6 (global; falls back to tfjs's gradient off wasm).
 *
 * A kernel that the installed wasm backend already provides natively is left
 * alone (reported in `skipped`).
 */
import '@tensorflow/tfjs-backend-wasm';
import { getGradient, getKernel, registerGradient, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterConfig } from './Conv2DBackpropFilter.ts';
import { makeConv2DBackpropInputConfig } from './Conv2DBackpropInput.ts';
import { depthwiseConv2dNativeBackpropFilterConfig } from './DepthwiseConv2dNativeBackpropFilter.ts';
import { depthwiseConv2dNativeBackpropInputConfig } from './DepthwiseConv2dNativeBackpropInput.ts';
import { makeRelu6GradConfig, relu6GradKernelConfig } from './Relu6Grad.ts';
import { makeTileConfig } from './Tile.ts';

/** Marks configs made by medslim (shared by every copy of this module). */
const MARK = Symbol.for('medslim.wasmTrainingKernels');
type Marked<T> = T & { [MARK]?: { original?: T } };

export interface WasmTrainingKernelsSummary {
  /** Kernels wasm lacked, now registered. */
  added: string[];
  /** wasm kernels wrapped with a fast path (original kept as fallback). */
  overridden: string[];
  /** Gradient configs replaced. */
  gradients: string[];
  /** Kernels left alone because the wasm backend already provides them. */
  skipped: string[];
}

const ADDED: KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  relu6GradKernelConfig,
];

const WRAPPED: Array<[string, (original: KernelConfig) => KernelConfig]> = [
  ['Tile', makeTileConfig],
  ['Conv2DBackpropInput', makeConv2DBackpropInputConfig],
];

let registered: WasmTrainingKernelsSummary | null = null;

function isOurs(c: unknown): boolean {
  return c != null && (c as Marked<object>)[MARK] != null;
}

function mark<T extends object>(c: T, original?: T): T {
  const m = { ...c } as Marked<T>;
  m[MARK] = { original };
  return m;
}

/** Registers all medslim wasm training kernels for the 'wasm' backend; safe to call repeatedly. */
export function registerWasmTrainingKernels(): WasmTrainingKernelsSummary {
  if (registered != null) return registered;
  if (getKernel('Reshape', 'wasm') == null) {
    throw new Error('medslim: the wasm backend is not loaded (import @tensorflow/tfjs-backend-wasm first)');
  }
  const summary: WasmTrainingKernelsSummary = { added: [], overridden: [], gradients: [], skipped: [] };

  for (const config of ADDED) {
    const existing = getKernel(config.kernelName, 'wasm');
    if (existing != null && !isOurs(existing)) {
      summary.skipped.push(config.kernelName);
      continue;
    }
    if (existing != null) unregisterKernel(config.kernelName, 'wasm');
    registerKernel(mark(config));
    summary.added.push(config.kernelName);
  }

  for (const [name, wrap] of WRAPPED) {
    let original = getKernel(name, 'wasm') as Marked<KernelConfig> | undefined;
    if (original == null) throw new Error(`medslim: the wasm backend has no '${name}' kernel to wrap`);
    // Left over from another copy of this module: wrap the true original.
    if (isOurs(original)) original = original[MARK]!.original;
    if (original == null) throw new Error(`medslim: lost the original wasm '${name}' kernel`);
    unregisterKernel(name, 'wasm');
    registerKernel(mark(wrap(original), original));
    summary.overridden.push(name);
  }

  let relu6 = getGradient('Relu6') as Marked<GradConfig> | undefined;
  if (relu6 != null && isOurs(relu6)) relu6 = relu6[MARK]!.original;
  if (relu6 != null) {
    registerGradient(mark(makeRelu6GradConfig(relu6), relu6));
    summary.gradients.push('Relu6');
  }

  registered = summary;
  return summary;
}

/** True once `registerWasmTrainingKernels` ran in this module instance. */
export function wasmTrainingKernelsRegistered(): boolean {
  return registered != null;
}

/** Restores wasm's original kernels and tfjs's Relu6 gradient (tests, A/B runs). */
export function unregisterWasmTrainingKernels(): void {
  if (registered == null) return;
  for (const name of registered.added) {
    if (isOurs(getKernel(name, 'wasm'))) unregisterKernel(name, 'wasm');
  }
  for (const name of registered.overridden) {
    const current = getKernel(name, 'wasm') as Marked<KernelConfig> | undefined;
    const original = current?.[MARK]?.original;
    if (current != null && original != null) {
      unregisterKernel(name, 'wasm');
      registerKernel(original);
    }
  }
  const grad = getGradient('Relu6') as Marked<GradConfig> | undefined;
  const gradOriginal = grad?.[MARK]?.original;
  if (gradOriginal != null) registerGradient(gradOriginal);
  registered = null;
}
