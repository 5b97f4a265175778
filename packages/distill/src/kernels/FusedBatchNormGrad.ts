/**
 * A fused FusedBatchNorm gradient for the wasm backend.
 *
 * tfjs-core's gradient for `FusedBatchNorm` (tf.batchNorm) runs about fifteen
 * kernels over the full activation: Sub, several Multiply, a Tile of the
 * per-channel 1/√(var+ε) to [N,H,W,C], and four Sums over N,H,W (each a
 * Transpose + reduce on wasm). With per-channel mean, variance and scale all
 * five gradients follow from two per-channel sums:
 *
 *   s1[c] = Σ dy,  s2[c] = Σ dy·(x − mean),  r = 1/√(var + ε)
 *   dx = dy·scale·r      dmean = −r·scale·s1      dvar = −½·r³·scale·s2
 *   dscale = r·s2        doffset = s1
 *
 * (tfjs's own formulas). `MedslimFusedBatchNormGrad` computes them with four
 * full-size wasm kernels — Sub, Multiply, Multiply (all SIMD, broadcasting the
 * [C] vectors) and two XNNPACK average poolings for the sums — plus O(C)
 * arithmetic. Other shapes and other backends use tfjs's own gradient.
 */
import { engine, getBackend } from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, NamedTensorMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmFastPaths } from './flags.ts';
import { tookPath } from './paths.ts';
import { KernelScope, heapF32, sizeOf } from './wasm-ops.ts';

export const MedslimFusedBatchNormGrad = 'MedslimFusedBatchNormGrad';

/** True when t is a per-channel float32 vector for `channels` ([C] or [1,…,1,C]). */
export function perChannel(t: TensorInfo | undefined | null, channels: number): boolean {
  return t != null && t.dtype === 'float32' && t.shape.length > 0 && sizeOf(t.shape) === channels && t.shape[t.shape.length - 1] === channels;
}

export function fusedBatchNormGradWasm(args: {
  inputs: { x?: TensorInfo; dy?: TensorInfo; mean?: TensorInfo; variance?: TensorInfo; scale?: TensorInfo };
  backend: unknown;
  attrs?: unknown;
}): TensorInfo[] {
  const { x, dy, mean, variance, scale } = args.inputs;
  if (x == null || dy == null || mean == null || variance == null) throw new Error('medslim wasm FusedBatchNormGrad: missing x, dy, mean or variance');
  const eps = Number((args.attrs as { varianceEpsilon?: number } | undefined)?.varianceEpsilon ?? 0.001);
  const C = x.shape[x.shape.length - 1];
  const n = sizeOf(x.shape);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || sizeOf(dy.shape) !== n || !perChannel(mean, C) || !perChannel(variance, C) || (scale != null && !perChannel(scale, C))) {
    throw new Error('medslim wasm FusedBatchNormGrad: needs float32 x/dy and per-channel mean/variance/scale');
  }
  const backend = args.backend as BackendWasm;
  const M = C === 0 ? 0 : n / C;
  const s = new KernelScope(backend);
  try {
    // Per-channel constants.
    const mv = heapF32(backend, mean);
    const vv = heapF32(backend, variance);
    const sv = scale != null ? heapF32(backend, scale) : null;
    const r = new Float64Array(C);
    const k = new Float32Array(C);
    const mu = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      r[c] = 1 / Math.sqrt(Math.fround(vv[c] + eps));
      k[c] = (sv != null ? sv[c] : 1) * r[c];
      mu[c] = mv[c];
    }
    const gammas = sv != null ? Float32Array.from(sv) : null;
    const X = s.reshape(x, [M, C]);
    const DY = s.reshape(dy, [M, C]);
    const dx = s.reshape(s.mul(DY, s.constant(k, [C])), x.shape);
    const outs: TensorInfo[] = [s.keep(dx)];
    let m1: Float32Array;
    let m2: Float32Array;
    if (M >= 2) {
      const prod = s.mul(DY, s.sub(X, s.constant(mu, [C])));
      m1 = Float32Array.from(heapF32(backend, s.meanRows(DY, 1, M, C)));
      m2 = Float32Array.from(heapF32(backend, s.meanRows(prod, 1, M, C)));
    } else {
      m1 = new Float32Array(C);
      m2 = new Float32Array(C);
      if (M === 1) {
        const xv = heapF32(backend, x);
        const dv = heapF32(backend, dy);
        for (let c = 0; c < C; c++) {
          m1[c] = dv[c];
          m2[c] = dv[c] * (xv[c] - mu[c]);
        }
      }
    }
    const grads: TensorInfo[] = [];
    for (let i = 0; i < 4; i++) grads.push(backend.makeOutput(mean.shape, 'float32') as TensorInfo);
    const [dmean, dvar, dscale, doffset] = grads.map((t) => heapF32(backend, t));
    for (let c = 0; c < C; c++) {
      const g = gammas != null ? gammas[c] : 1;
      const s1 = m1[c] * M;
      const s2 = m2[c] * M;
      dmean[c] = -r[c] * g * s1;
      dvar[c] = -0.5 * r[c] * r[c] * r[c] * g * s2;
      dscale[c] = r[c] * s2;
      doffset[c] = s1;
    }
    outs.push(...grads);
    return outs;
  } finally {
    s.dispose();
  }
}

export const fusedBatchNormGradKernelConfig: KernelConfig = {
  kernelName: MedslimFusedBatchNormGrad,
  backendName: 'wasm',
  kernelFunc: fusedBatchNormGradWasm as unknown as KernelFunc,
};

/** The FusedBatchNorm gradient: fused on wasm, tfjs's original elsewhere. */
export function makeFusedBatchNormGradConfig(original: () => GradConfig): GradConfig {
  return {
    kernelName: 'FusedBatchNorm',
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, scale] = saved;
      if (wasmFastPaths.batchNormGrad && getBackend() === 'wasm' && !Array.isArray(dy) && x.dtype === 'float32' && dy.dtype === 'float32') {
        const C = x.shape[x.rank - 1];
        if (perChannel(mean, C) && perChannel(variance, C) && (scale == null || perChannel(scale, C))) {
          tookPath('FusedBatchNormGrad', 'fused');
          const inputs = scale != null ? { x, dy, mean, variance, scale } : { x, dy, mean, variance };
          const [dx, dmean, dvar, dscale, doffset] = engine().runKernel(MedslimFusedBatchNormGrad, inputs as unknown as NamedTensorMap, {
            varianceEpsilon: attrs.varianceEpsilon,
          }) as Tensor[];
          return { x: () => dx, mean: () => dmean, variance: () => dvar, scale: () => dscale, offset: () => doffset };
        }
      }
      tookPath('FusedBatchNormGrad', 'original');
      return original().gradFunc(dy, saved, attrs);
    },
  };
}
