/**
 * Cheaper gradients for `Mean` and `Sum` on the wasm backend.
 *
 * tfjs-core broadcasts the incoming gradient with `mul(reshape(dy), ones(x.shape))`
 * (plus a `div` for Mean): a Fill and one or two full-size binary kernels.
 * When the reduced axes are one contiguous run (tf.moments over N,H,W, global
 * average pooling over H,W) the same result is a Tile of the reshaped dy,
 * which medslim's Tile fast path writes with bulk copies (so this needs both
 * the `reductions` and the `tile` flags). Gradients are global, so on other
 * backends (or other axes) tfjs's own gradient runs.
 */
import { backend_util, div, getBackend, reshape, tile, util } from '@tensorflow/tfjs-core';
import type { GradConfig, Tensor } from '@tensorflow/tfjs-core';
import { wasmFastPaths } from './flags.ts';
import { tookPath } from './paths.ts';
import { planTile } from './Tile.ts';

function broadcastPlan(x: Tensor, axis: unknown): { expanded: number[]; reps: number[]; reduceSize: number } | null {
  const axes = util.parseAxisParam(axis as number | number[], x.shape);
  const expanded = x.shape.slice();
  const reps = x.shape.map(() => 1);
  for (const a of axes) {
    expanded[a] = 1;
    reps[a] = x.shape[a];
  }
  if (planTile(expanded, reps) == null) return null;
  const [, reduceShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
  return { expanded, reps, reduceSize: util.sizeFromShape(reduceShape) };
}

/** Needs the Tile fast path too: wasm's generic Tile is far slower than tfjs's mul-by-ones. */
function useFastPath(dy: Tensor | Tensor[]): dy is Tensor {
  return wasmFastPaths.reductions && wasmFastPaths.tile && getBackend() === 'wasm' && !Array.isArray(dy) && dy.dtype === 'float32';
}

export function makeMeanGradConfig(original: () => GradConfig): GradConfig {
  return {
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      if (useFastPath(dy)) {
        const plan = broadcastPlan(x, attrs.axis);
        if (plan != null) {
          tookPath('MeanGrad', 'tile');
          return { x: () => tile(reshape(div(dy, plan.reduceSize), plan.expanded), plan.reps) };
        }
      }
      tookPath('MeanGrad', 'original');
      return original().gradFunc(dy, saved, attrs);
    },
  };
}

export function makeSumGradConfig(original: () => GradConfig): GradConfig {
  return {
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      if (useFastPath(dy)) {
        const plan = broadcastPlan(x, attrs.axis);
        if (plan != null) {
          tookPath('SumGrad', 'tile');
          return { x: () => tile(reshape(dy, plan.expanded), plan.reps) };
        }
      }
      tookPath('SumGrad', 'original');
      return original().gradFunc(dy, saved, attrs);
    },
  };
}
