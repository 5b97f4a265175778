/**
 * One data-parallel training step's arithmetic, shared by the main thread and the gradient workers
 * (parallel/pool.ts): the gradients of the KD loss over a shard of the batch, computed micro-batch by
 * micro-batch and accumulated into a flat float32 vector, and the BatchNorm statistics each micro-batch saw.
 *
 * Flat layout: the trainable variables of `namedVariables(params)` (conv weights, BatchNorm γ and β, classifier),
 * in that order, each flattened row-major — `trainableLayout` gives the offsets.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32 } from '../kernels/wasm-ops.ts';
import { kdLoss, type KdLossConfig } from '../loss.ts';
import type { StudentConfig } from '../student/config.ts';
import { forward, type StatUpdates } from '../student/forward.ts';
import { assignValues, namedVariables, type StudentParams } from '../student/params.ts';

export interface FlatLayout {
  names: string[];
  offsets: number[];
  sizes: number[];
  /** Total floats. */
  size: number;
}

/** Offsets of the trainable variables in the flat gradient / weight vectors. */
export function trainableLayout(params: StudentParams): FlatLayout {
  const names: string[] = [], offsets: number[] = [], sizes: number[] = [];
  let size = 0;
  for (const [name, v] of namedVariables(params)) {
    if (!v.trainable) continue;
    names.push(name); offsets.push(size); sizes.push(v.size);
    size += v.size;
  }
  return { names, offsets, sizes, size };
}

/** Writes the trainable variables into `out` (flat layout). */
export function readWeights(params: StudentParams, out: Float32Array): void {
  let off = 0;
  for (const [, v] of namedVariables(params)) {
    if (!v.trainable) continue;
    out.set(v.dataSync() as Float32Array, off);
    off += v.size;
  }
}

/** Assigns the trainable variables from `src` (flat layout). */
export function writeWeights(params: StudentParams, src: Float32Array): void {
  let off = 0;
  for (const [, v] of namedVariables(params)) {
    if (!v.trainable) continue;
    assignValues(v, src.subarray(off, off + v.size));
    off += v.size;
  }
}

/** Milliseconds on one clock shared by every thread of the process (performance.timeOrigin + performance.now()). */
export function clock(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The values of a float32 tensor: on the wasm backend a view of its buffer in the wasm heap (no copy; valid until
 * the next allocation there may grow the heap — use it at once), elsewhere `dataSync()`. Reading the gradients
 * this way saves a ≈ 350 KB copy per pass (the reference student) that only fed the garbage collector.
 */
function float32Contents(t: tf.Tensor): Float32Array {
  if (t.dtype === 'float32' && tf.getBackend() === 'wasm') return heapF32(tf.backend() as unknown as BackendWasm, t);
  return t.dataSync() as Float32Array;
}

/** Per-channel BatchNorm batch statistics of one micro-batch: biased variance, `count` = images × H × W. */
export interface BnStat { mean: Float32Array; variance: Float32Array; count: number }

/** The batch as the workers see it: NHWC images [B, H, W, C], int32 labels [B], teacher logits [B, K] or null. */
export interface SharedBatch {
  x: Float32Array;
  y: Int32Array;
  t: Float32Array | null;
  height: number;
  width: number;
  channels: number;
}

export interface ShardResult {
  /** Σ over micro-batches of (micro-batch mean loss × its images). */
  lossSum: number;
  /** One entry per micro-batch, each one BnStat per BatchNorm layer in forward order. */
  bn: BnStat[][];
}

/**
 * Gradient of the batch-mean KD loss restricted to rows [a, b) of a batch of `m` images:
 * acc = Σ_c (m_c / m)·∇L_c over micro-batches c of at most `micro` images (L_c is the micro-batch's mean loss),
 * so summing the shards' `acc` gives the full-batch gradient when BatchNorm statistics do not couple images
 * (they do in training mode: each micro-batch normalizes with its own statistics — see pool.ts).
 * With one micro-batch covering the whole batch (a = 0, b = m ≤ micro) `acc` is exactly the gradient tfjs returns.
 * @param acc flat float32 vector (trainableLayout), overwritten.
 */
export function shardGradients(
  config: StudentConfig, params: StudentParams, batch: SharedBatch, a: number, b: number, m: number, micro: number,
  kd: KdLossConfig, acc: Float32Array,
): ShardResult {
  const trainable = namedVariables(params).filter(([, v]) => v.trainable).map(([, v]) => v);
  const { height: h, width: w, channels: c } = batch;
  const per = h * w * c;
  const k = config.numClasses;
  acc.fill(0);
  let lossSum = 0;
  const bn: BnStat[][] = [];
  for (let s = a; s < b; s += micro) {
    const mc = Math.min(micro, b - s);
    const updates: StatUpdates = [];
    const { value, grads } = tf.tidy(() => {
      const x = tf.tensor4d(batch.x.subarray(s * per, (s + mc) * per), [mc, h, w, c]);
      const y = tf.tensor1d(batch.y.subarray(s, s + mc), 'int32');
      const t = batch.t ? tf.tensor2d(batch.t.subarray(s * k, (s + mc) * k), [mc, k]) : null;
      return tf.variableGrads(() => kdLoss(forward(config, params, x, true, updates), t, y, kd), trainable);
    });
    const weight = mc / m;
    let off = 0;
    for (const v of trainable) {
      const g = float32Contents(grads[v.name]);
      if (weight === 1) acc.set(g, off);
      else for (let i = 0; i < g.length; i++) acc[off + i] += weight * g[i];
      off += v.size;
    }
    lossSum += value.dataSync()[0] * mc;
    value.dispose();
    for (const g of Object.values(grads)) g.dispose();
    bn.push(updates.map((u) => {
      const stat = { mean: u.batchMean.dataSync() as Float32Array, variance: u.batchVar.dataSync() as Float32Array, count: u.count };
      u.batchMean.dispose();
      u.batchVar.dispose();
      return stat;
    }));
  }
  return { lossSum, bn };
}

/**
 * Pools micro-batch BatchNorm statistics (in the given, fixed order) into the statistics of their union:
 * mean = Σ n_c·μ_c / N, biased variance = Σ n_c·(σ²_c + (μ_c − mean)²) / N (computed in float64).
 * One micro-batch is returned unchanged. Returns one BnStat per layer.
 */
export function poolBnStats(chunks: BnStat[][]): BnStat[] {
  if (chunks.length === 1) return chunks[0];
  return chunks[0].map((_, layer) => {
    const parts = chunks.map((c) => c[layer]);
    const ch = parts[0].mean.length;
    const n = parts.reduce((s, p) => s + p.count, 0);
    const mean = new Float32Array(ch), variance = new Float32Array(ch);
    for (let j = 0; j < ch; j++) {
      let mu = 0;
      for (const p of parts) mu += p.count * p.mean[j];
      mu /= n;
      let v = 0;
      for (const p of parts) v += p.count * (p.variance[j] + (p.mean[j] - mu) ** 2);
      mean[j] = mu;
      variance[j] = v / n;
    }
    return { mean, variance, count: n };
  });
}
