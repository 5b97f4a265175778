import { hasExpand, hiddenChannels, type StudentConfig, type StudentParams } from '@medslim/distill';

/**
 * Importance of each hidden (expansion) channel of block `b`: the L1 norm of its expansion filter times
 * |BatchNorm γ| of that channel — filter-norm ranking (Li et al. 2017, "Pruning Filters for Efficient ConvNets")
 * scaled by the BN scaling factor (Liu et al. 2017, "Learning Efficient Convolutional Networks through Network
 * Slimming"). Expansion weights are NHWC [1, 1, in, hidden]. Returns one score per hidden channel.
 * Blocks without an expand conv (t = 1) have no prunable hidden channels: returns null.
 */
export function channelImportance(config: StudentConfig, params: StudentParams, b: number): Float64Array | null {
  const block = config.blocks[b];
  const bp = params.blocks[b];
  if (!hasExpand(block) || !bp.expand) return null;
  const h = hiddenChannels(block);
  const w = bp.expand.w.dataSync() as Float32Array; // [1, 1, in, h]
  const gamma = bp.expand.bn.gamma.dataSync() as Float32Array;
  const score = new Float64Array(h);
  for (let i = 0; i < w.length; i++) score[i % h] += Math.abs(w[i]);
  for (let j = 0; j < h; j++) score[j] *= Math.abs(gamma[j]);
  return score;
}

/** Indices of the `keep` highest-scoring channels, in ascending channel order (ties: lower index first). */
export function topChannels(score: Float64Array, keep: number): Int32Array {
  const idx = Array.from(score.keys()).sort((a, b) => score[b] - score[a] || a - b).slice(0, keep);
  return Int32Array.from(idx.sort((a, b) => a - b));
}

/** Blocks whose hidden channels can be pruned (those with an expand conv). */
export function prunableBlocks(config: StudentConfig): number[] {
  return config.blocks.map((b, i) => (hasExpand(b) ? i : -1)).filter((i) => i >= 0);
}
