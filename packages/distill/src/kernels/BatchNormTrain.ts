/**
 * BatchNorm in training mode (Ioffe & Szegedy 2015) as ONE op with a closed-form gradient, for the wasm backend.
 *
 * The student's training BatchNorm written with tfjs ops is tf.moments (Mean, Sub, Square, Mean) + tf.batchNorm,
 * and its gradient flows back through all of them: FusedBatchNorm's gradient plus the gradients of the variance
 * and mean (Square, Sub, two Mean gradients, the adds that join them) — about 20 full-size kernels and twice as
 * many engine calls per layer and step. `MedslimBatchNormTrain` takes x [.., C] (statistics over every axis but the
 * last), γ and β [C] and returns y and the batch mean and biased variance [C]:
 *
 *   forward  (6 full-size kernels): μ = mean(x); xc = x − μ; σ² = mean(xc²); y = xc·(γ r) + β,  r = 1/√(σ² + ε)
 *   backward (8): xc again (an output saved for the gradient would cost more: tfjs's engine hands every output
 *     without a gradient a zero tensor made in JS), and with M values per channel s1 = Σ dy, s2 = Σ dy·xc,
 *     dx = dy·γr − xc·γr³·s2/M − γr·s1/M  (+ dμ/M + 2·xc·dσ²/M when the mean / variance outputs get gradients)
 *     dγ = r·s2,  dβ = s1
 * the textbook closed form (the paper's §3 backward pass). Means are XNNPACK average poolings, the rest SIMD
 * binary kernels. `batchNormTraining` uses it on wasm (fast path `batchNormTrain`) and tf.moments + tf.batchNorm
 * everywhere else, so every backend computes the same function.
 */
import { batchNorm, engine, getBackend, getKernel, moments, zerosLike } from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, NamedTensorMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmFastPaths } from './flags.ts';
import { perChannel } from './FusedBatchNormGrad.ts';
import { KernelScope, heapF32, sizeOf } from './wasm-ops.ts';

export const MedslimBatchNormTrain = 'MedslimBatchNormTrain';
export const MedslimBatchNormTrainGrad = 'MedslimBatchNormTrainGrad';

type Attrs = { varianceEpsilon?: number };

function geometry(x: TensorInfo): { C: number; M: number } {
  const C = x.shape[x.shape.length - 1];
  return { C, M: C === 0 ? 0 : sizeOf(x.shape) / C };
}

/** Forward: inputs x, scale, offset; outputs [y (x's shape), mean [C], variance [C]]. */
export function batchNormTrainWasm(args: { inputs: { x?: TensorInfo; scale?: TensorInfo; offset?: TensorInfo }; backend: unknown; attrs?: unknown }): TensorInfo[] {
  const { x, scale, offset } = args.inputs;
  if (x == null || scale == null || offset == null) throw new Error('medslim wasm BatchNormTrain: missing x, scale or offset');
  const { C, M } = geometry(x);
  if (x.dtype !== 'float32' || M < 1 || !perChannel(scale, C) || !perChannel(offset, C)) {
    throw new Error(`medslim wasm BatchNormTrain: needs float32 x [.., C] with at least one value per channel and per-channel scale/offset; got x [${x.shape}]`);
  }
  const eps = Number((args.attrs as Attrs | undefined)?.varianceEpsilon ?? 0.001);
  const backend = args.backend as BackendWasm;
  const s = new KernelScope(backend);
  try {
    const X = s.reshape(x, [M, C]);
    const mean = s.meanRows(X, 1, M, C);
    const xc = s.sub(X, mean);
    const sq = s.mul(xc, xc);
    const variance = s.meanRows(sq, 1, M, C);
    const vv = heapF32(backend, variance);
    const gv = heapF32(backend, scale);
    const k = new Float32Array(C);
    for (let c = 0; c < C; c++) k[c] = gv[c] / Math.sqrt(Math.fround(vv[c] + eps));
    if (variance !== sq) s.drop(sq); // M = 1: the 'mean' is sq itself
    const y = s.add(s.mul(xc, s.constant(k, [C])), s.reshape(offset, [C]));
    return [s.keep(s.reshape(y, x.shape)), s.keep(s.reshape(mean, [C])), s.keep(s.reshape(variance, [C]))];
  } finally {
    s.dispose();
  }
}

/**
 * Gradient: inputs dy and x (same shape), mean, variance, scale [C] and optional dmean, dvariance [C];
 * outputs [dx, dscale, doffset].
 */
export function batchNormTrainGradWasm(args: {
  inputs: { dy?: TensorInfo; x?: TensorInfo; mean?: TensorInfo; variance?: TensorInfo; scale?: TensorInfo; dmean?: TensorInfo; dvariance?: TensorInfo };
  backend: unknown;
  attrs?: unknown;
}): TensorInfo[] {
  const { dy, x, mean, variance, scale, dmean, dvariance } = args.inputs;
  if (dy == null || x == null || mean == null || variance == null || scale == null) throw new Error('medslim wasm BatchNormTrainGrad: missing dy, x, mean, variance or scale');
  const { C, M } = geometry(x);
  const eps = Number((args.attrs as Attrs | undefined)?.varianceEpsilon ?? 0.001);
  const backend = args.backend as BackendWasm;
  const s = new KernelScope(backend);
  try {
    const vv = heapF32(backend, variance), gv = heapF32(backend, scale);
    const dm = dmean != null ? Float32Array.from(heapF32(backend, dmean)) : null;
    const dv = dvariance != null ? Float32Array.from(heapF32(backend, dvariance)) : null;
    const r = new Float64Array(C), g = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      r[c] = 1 / Math.sqrt(Math.fround(vv[c] + eps));
      g[c] = gv[c];
    }
    const DY = s.reshape(dy, [M, C]);
    const XC = s.sub(s.reshape(x, [M, C]), s.reshape(mean, [C]));
    const m1 = Float32Array.from(heapF32(backend, s.meanRows(DY, 1, M, C))); // s1 / M
    const m2 = Float32Array.from(heapF32(backend, s.meanRows(s.mul(DY, XC), 1, M, C))); // s2 / M
    const k = new Float32Array(C), b = new Float32Array(C), c0 = new Float32Array(C);
    const dscale = new Float32Array(C), doffset = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      k[c] = g[c] * r[c];
      b[c] = -g[c] * r[c] * r[c] * r[c] * m2[c] + (dv != null ? (2 * dv[c]) / M : 0);
      c0[c] = -g[c] * r[c] * m1[c] + (dm != null ? dm[c] / M : 0);
      dscale[c] = r[c] * m2[c] * M;
      doffset[c] = m1[c] * M;
    }
    const dx = s.add(s.add(s.mul(DY, s.constant(k, [C])), s.mul(XC, s.constant(b, [C]))), s.constant(c0, [C]));
    return [s.keep(s.reshape(dx, x.shape)), s.keep(s.constant(dscale, scale.shape)), s.keep(s.constant(doffset, scale.shape))];
  } finally {
    s.dispose();
  }
}

export const batchNormTrainKernelConfig: KernelConfig = { kernelName: MedslimBatchNormTrain, backendName: 'wasm', kernelFunc: batchNormTrainWasm as unknown as KernelFunc };
export const batchNormTrainGradKernelConfig: KernelConfig = { kernelName: MedslimBatchNormTrainGrad, backendName: 'wasm', kernelFunc: batchNormTrainGradWasm as unknown as KernelFunc };

/** The gradient of `MedslimBatchNormTrain` (saves x, scale and the batch statistics). */
export const batchNormTrainGradConfig: GradConfig = {
  kernelName: MedslimBatchNormTrain,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, scale, mean, variance] = saved;
    const [dy, dmean, dvariance] = (Array.isArray(dys) ? dys : [dys]) as (Tensor | null | undefined)[];
    const inputs: Record<string, Tensor> = { dy: dy ?? zerosLike(x), x, mean, variance, scale };
    if (dmean != null) inputs.dmean = dmean;
    if (dvariance != null) inputs.dvariance = dvariance;
    const [dx, dscale, doffset] = engine().runKernel(MedslimBatchNormTrainGrad, inputs as unknown as NamedTensorMap, { varianceEpsilon: attrs.varianceEpsilon }) as Tensor[];
    return { x: () => dx, scale: () => dscale, offset: () => doffset };
  },
};

/**
 * Training-mode BatchNorm of x [.., C] with per-channel γ (`scale`) and β (`offset`) [C]: statistics over every
 * axis but the last (biased variance), y = (x − mean)/√(variance + ε)·γ + β. Returns y and the batch statistics
 * (differentiable on every path). One fused op on wasm with medslim's kernels registered; tf.moments +
 * tf.batchNorm elsewhere.
 */
export function batchNormTraining(x: Tensor, scale: Tensor, offset: Tensor, varianceEpsilon: number): { y: Tensor; mean: Tensor; variance: Tensor } {
  const C = x.shape[x.rank - 1];
  if (wasmFastPaths.batchNormTrain && getBackend() === 'wasm' && getKernel(MedslimBatchNormTrain, 'wasm') != null && x.dtype === 'float32' && sizeOf(x.shape) >= C && C > 0 && perChannel(scale, C) && perChannel(offset, C)) {
    const [y, mean, variance] = engine().runKernel(MedslimBatchNormTrain, { x, scale, offset } as unknown as NamedTensorMap, { varianceEpsilon }) as Tensor[];
    return { y, mean, variance };
  }
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const { mean, variance } = moments(x, axes);
  return { y: batchNorm(x, mean, variance, offset, scale, varianceEpsilon), mean, variance };
}
