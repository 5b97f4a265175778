/**
 * `Sum` fast path for the wasm backend: reductions over a contiguous run of
 * axes that is not innermost (BatchNorm's per-channel sums over N,H,W, bias
 * gradients) are one XNNPACK average pooling (see reduce.ts) instead of
 * Transpose + reduce. Other
 * reductions go to wasm's own kernel.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { withFastPath } from './flags.ts';
import { planRowReduce, rowReduce } from './reduce.ts';

export function sumFastPath(args: { inputs: { x?: TensorInfo }; backend: unknown; attrs?: unknown }): TensorInfo | null {
  const x = args.inputs.x;
  const attrs = args.attrs as { axis?: number | number[]; keepDims?: boolean } | undefined;
  if (x == null) return null;
  const plan = planRowReduce(x, attrs?.axis, attrs?.keepDims === true);
  return plan == null ? null : rowReduce(args.backend, x, plan, true);
}

export function makeSumConfig(original: KernelConfig): KernelConfig {
  return withFastPath(original, 'reductions', sumFastPath);
}
