/**
 * `Mean` fast path for the wasm backend: means over a contiguous run of axes
 * that is not innermost (tf.moments over N,H,W; global average pooling over
 * H,W) are one XNNPACK average pooling (see reduce.ts) instead of
 * Transpose + reduce. Other reductions
 * go to wasm's own kernel.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { withFastPath } from './flags.ts';
import { planRowReduce, rowReduce } from './reduce.ts';

export function meanFastPath(args: { inputs: { x?: TensorInfo }; backend: unknown; attrs?: unknown }): TensorInfo | null {
  const x = args.inputs.x;
  const attrs = args.attrs as { axis?: number | number[]; keepDims?: boolean } | undefined;
  if (x == null) return null;
  const plan = planRowReduce(x, attrs?.axis, attrs?.keepDims === true);
  return plan == null ? null : rowReduce(args.backend, x, plan, false);
}

export function makeMeanConfig(original: KernelConfig): KernelConfig {
  return withFastPath(original, 'reductions', meanFastPath);
}
