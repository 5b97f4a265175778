/**
 * Registers medslim's wasm training kernels (idempotent).
 *
 *  - added (wasm has none): Conv2DBackpropFilter,
 *    DepthwiseConv2dNativeBackpropInput, DepthwiseConv2dNativeBackpropFilter,
 *    plus MedslimRelu6Grad and MedslimFusedBatchNormGrad (used by the
 *    replacement gradients) and MedslimBatchNormTrain(Grad) (training-mode
 *    BatchNorm as one op, BatchNormTrain.ts);
 *  - wrapped (fast path, else wasm's original kernelFunc): Tile,
 *    Conv2DBackpropInput, Sum, Mean, FusedBatchNorm, Identity, Cast. `registerKernel` must not see a name
 *    twice, so the original config is read first, then unregistered, then the
 *    wrapper is registered. The wrapper keeps the original's setupFunc: the
 *    engine re-runs setup funcs on every setBackend('wasm') and the original
 *    kernelFunc needs the cwrap it makes;
 *  - gradients (global, so each falls back to the original off wasm): Relu6,
 *    FusedBatchNorm, Mean, Sum; and MedslimBatchNormTrain's own.
 *
 * A kernel that the installed wasm backend already provides natively is left
 * alone (reported in `skipped`). Which fast paths run is switched at runtime
 * with `setWasmFastPaths` (flags.ts).
 */
import '@tensorflow/tfjs-backend-wasm';
import { getGradient, getKernel, registerGradient, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig } from '@tensorflow/tfjs-core';
import { batchNormTrainGradConfig, batchNormTrainGradKernelConfig, batchNormTrainKernelConfig } from './BatchNormTrain.ts';
import { conv2DBackpropFilterConfig } from './Conv2DBackpropFilter.ts';
import { makeConv2DBackpropInputConfig } from './Conv2DBackpropInput.ts';
import { depthwiseConv2dNativeBackpropFilterConfig } from './DepthwiseConv2dNativeBackpropFilter.ts';
import { depthwiseConv2dNativeBackpropInputConfig } from './DepthwiseConv2dNativeBackpropInput.ts';
import { makeFusedBatchNormConfig } from './FusedBatchNorm.ts';
import { fusedBatchNormGradKernelConfig, makeFusedBatchNormGradConfig } from './FusedBatchNormGrad.ts';
import { makeIdentityConfig } from './Identity.ts';
import { makeMeanConfig } from './Mean.ts';
import { makeMeanGradConfig, makeSumGradConfig } from './ReductionGrads.ts';
import { defaultRelu6GradConfig, makeRelu6GradConfig, relu6GradKernelConfig } from './Relu6Grad.ts';
import { makeSumConfig } from './Sum.ts';
import { makeTileConfig } from './Tile.ts';

/**
 * Marks configs made by medslim (shared by every copy of this module and by
 * ensureTfjsGradients, which fills in `original` for gradients registered
 * before tfjs's defaults were loaded).
 */
export const MEDSLIM_MARK = Symbol.for('medslim.wasmTrainingKernels');
interface Holder<T> {
  original?: T;
}
type Marked<T> = T & { [MEDSLIM_MARK]?: Holder<T> };

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
  fusedBatchNormGradKernelConfig,
  batchNormTrainKernelConfig,
  batchNormTrainGradKernelConfig,
];

const WRAPPED: Array<[string, (original: KernelConfig) => KernelConfig]> = [
  ['Tile', makeTileConfig],
  ['Conv2DBackpropInput', makeConv2DBackpropInputConfig],
  ['Sum', makeSumConfig],
  ['Mean', makeMeanConfig],
  ['FusedBatchNorm', makeFusedBatchNormConfig],
  ['Identity', makeIdentityConfig],
  ['Cast', makeIdentityConfig],
];

const GRADIENTS: Array<[string, (original: () => GradConfig) => GradConfig, GradConfig | undefined]> = [
  ['Relu6', makeRelu6GradConfig, defaultRelu6GradConfig],
  ['FusedBatchNorm', makeFusedBatchNormGradConfig, undefined],
  ['Mean', makeMeanGradConfig, undefined],
  ['Sum', makeSumGradConfig, undefined],
  ['MedslimBatchNormTrain', () => batchNormTrainGradConfig, batchNormTrainGradConfig],
];

let registered: WasmTrainingKernelsSummary | null = null;

function holderOf<T>(c: T | undefined | null): Holder<T> | undefined {
  return c == null ? undefined : (c as Marked<T>)[MEDSLIM_MARK];
}

function mark<T extends object>(c: T, holder: Holder<T>): T {
  const m = { ...c } as Marked<T>;
  m[MEDSLIM_MARK] = holder;
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
    if (existing != null && holderOf(existing) == null) {
      summary.skipped.push(config.kernelName);
      continue;
    }
    if (existing != null) unregisterKernel(config.kernelName, 'wasm');
    registerKernel(mark(config, {}));
    summary.added.push(config.kernelName);
  }

  for (const [name, wrap] of WRAPPED) {
    let original: KernelConfig | undefined = getKernel(name, 'wasm');
    // Left over from another copy of this module: wrap the true original.
    const h = holderOf(original);
    if (h != null) original = h.original;
    if (original == null) throw new Error(`medslim: the wasm backend has no '${name}' kernel to wrap`);
    unregisterKernel(name, 'wasm');
    registerKernel(mark(wrap(original), { original }));
    summary.overridden.push(name);
  }

  for (const [name, make, fallback] of GRADIENTS) {
    let current: GradConfig | undefined = getGradient(name);
    const h = holderOf(current);
    if (h != null) current = h.original;
    const holder: Holder<GradConfig> = { original: current };
    const getOriginal = (): GradConfig => {
      const g = holder.original ?? fallback;
      if (g == null) throw new Error(`tfjs-core's '${name}' gradient is not registered (call ensureTfjsGradients() first)`);
      return g;
    };
    registerGradient(mark(make(getOriginal), holder));
    summary.gradients.push(name);
  }

  registered = summary;
  return summary;
}

/** True once `registerWasmTrainingKernels` ran in this module instance. */
export function wasmTrainingKernelsRegistered(): boolean {
  return registered != null;
}

/** Restores wasm's original kernels and tfjs's gradients (tests, A/B runs). */
export function unregisterWasmTrainingKernels(): void {
  if (registered == null) return;
  for (const name of registered.added) {
    if (holderOf(getKernel(name, 'wasm')) != null) unregisterKernel(name, 'wasm');
  }
  for (const name of registered.overridden) {
    const original = holderOf(getKernel(name, 'wasm'))?.original;
    if (original != null) {
      unregisterKernel(name, 'wasm');
      registerKernel(original);
    }
  }
  for (const name of registered.gradients) {
    const original = holderOf(getGradient(name))?.original;
    if (original != null) registerGradient(original);
  }
  registered = null;
}
