/**
 * `Identity` and same-dtype `Cast` without a copy on the wasm backend.
 *
 * wasm's own Identity copies the whole buffer into a new one, and so does its Cast when the dtype does not
 * change. Training calls Identity for every tensor a gradient saves (tfjs-core's engine keeps a *clone* of each
 * saved input and output: ≈ 450 full activation copies per step of the reference student, 12 % of a step's CPU
 * time), and tf.moments casts its float32 input to float32. tfjs's cpu backend answers both by sharing the data
 * id (reference counted, as wasm's Reshape already does); this does the same on wasm. Safe because no wasm or
 * medslim kernel writes into an input buffer: every kernel writes only into outputs it allocated.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { withFastPath } from './flags.ts';

/** Shares x's buffer (one more reference) when no conversion is needed; null otherwise (strings, real casts). */
export function shareFastPath(args: { inputs: { x?: TensorInfo }; backend: unknown; attrs?: unknown }): TensorInfo | null {
  const x = args.inputs.x;
  const dtype = (args.attrs as { dtype?: string } | undefined)?.dtype ?? x?.dtype;
  if (x == null || x.dtype === 'string' || dtype !== x.dtype) return null;
  (args.backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function makeIdentityConfig(original: KernelConfig): KernelConfig {
  return withFastPath(original, 'shareBuffers', shareFastPath);
}
