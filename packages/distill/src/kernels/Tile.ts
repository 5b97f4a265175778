/**
 * `Tile` fast path for the wasm backend.
 *
 * tfjs's BatchNorm gradient tiles the per-channel scale [1,1,1,C] to the full
 * activation [N,H,W,C]; wasm's generic Tile walks the output element by element.
 * When the tile is really a broadcast — every axis either repeats a size-1 axis
 * or keeps a full axis, repeated axes all before (or all after) the kept ones —
 * it is an outer product with a ones vector, i.e. one K=1 XNNPACK matmul:
 *
 *   repeated-then-kept:  out[P,Q] = ones[P,1] · x[1,Q]
 *   kept-then-repeated:  out[Q,P] = x[Q,1] · ones[1,P]
 *
 * `x` is only ever the `a` operand or a fresh copy (BatchMatMul caches its
 * operator per data id of `b`). Everything else goes to wasm's own kernel.
 */
import { Tile } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { wasmFastPaths } from './flags.ts';
import { withScope } from './wasm-ops.ts';

type Plan = { kind: 'onesLeft' | 'onesRight'; P: number; Q: number; outShape: number[] };

/** How a Tile maps onto a ones-matmul, or null when it does not. */
export function planTile(shape: readonly number[], reps: readonly number[]): Plan | null {
  if (shape.length !== reps.length) return null;
  const labels: string[] = [];
  let P = 1;
  let Q = 1;
  const outShape: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const S = shape[i];
    const R = reps[i];
    if (!(S >= 1 && R >= 1) || !Number.isInteger(R)) return null;
    outShape.push(S * R);
    if (S === 1 && R === 1) continue;
    if (S > 1 && R > 1) return null;
    if (S === 1) {
      labels.push('E');
      P *= R;
    } else {
      labels.push('K');
      Q *= S;
    }
  }
  if (P === 1) return null; // nothing repeated: a plain copy
  const pattern = labels.join('');
  if (/^E+K*$/.test(pattern)) return { kind: 'onesLeft', P, Q, outShape };
  if (/^K+E+$/.test(pattern)) return { kind: 'onesRight', P, Q, outShape };
  return null;
}

export function tileFastPath(args: { inputs: { x?: TensorInfo }; backend: unknown; attrs?: unknown }): TensorInfo | null {
  const x = args.inputs.x;
  const reps = (args.attrs as { reps?: number[] } | undefined)?.reps;
  if (x == null || reps == null || x.dtype !== 'float32') return null;
  const plan = planTile(x.shape, reps);
  if (plan == null) return null;
  const { P, Q, outShape } = plan;
  return withScope(args.backend, (s) => {
    if (plan.kind === 'onesLeft') {
      const ones = s.fill([P, 1], 1);
      return s.reshape(s.matMul2D(ones, s.reshape(x, [1, Q]), false), outShape);
    }
    const ones = s.fill([1, P], 1);
    return s.reshape(s.matMul2D(s.reshape(x, [Q, 1]), ones, true), outShape);
  });
}

/** Wraps wasm's own Tile kernel (kept for every other case). */
export function makeTileConfig(original: KernelConfig): KernelConfig {
  const kernelFunc = ((args: Parameters<KernelFunc>[0]) => {
    if (wasmFastPaths.tile) {
      const out = tileFastPath(args as never);
      if (out != null) return out;
    }
    return original.kernelFunc(args);
  }) as KernelFunc;
  return { kernelName: Tile, backendName: 'wasm', kernelFunc, setupFunc: original.setupFunc, disposeFunc: original.disposeFunc };
}
