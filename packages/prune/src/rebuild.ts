import * as tf from '@tensorflow/tfjs-core';
import { hasExpand, hiddenChannels, initStudent, validateStudent, type BlockConfig, type ConvBn, type StudentConfig, type StudentParams } from '@medslim/distill';
import { PruneError } from './errors.ts';
import { channelImportance, topChannels } from './rank.ts';

/** Hidden channels kept when pruning `hidden` channels at `ratio`, never fewer than `minChannels` (nor than 1). */
export function keptChannels(hidden: number, ratio: number, minChannels: number): number {
  if (!(ratio >= 0 && ratio < 1)) throw new PruneError('BAD_RATIO', `pruning ratio must be in [0, 1); got ${ratio}`);
  return Math.min(hidden, Math.max(1, minChannels, Math.round(hidden * (1 - ratio))));
}

/** Gathers `keep` indices along `axis` of a variable's values into a new tensor. */
function gather(v: tf.Variable, keep: Int32Array, axis: number): tf.Tensor {
  return tf.tidy(() => tf.gather(v, tf.tensor1d(keep, 'int32'), axis));
}

/** Copies a conv+BN, gathering the weight's `axis` and the BN channels at the kept indices where given. */
function copyConvBn(dst: ConvBn, src: ConvBn, weight: { axis: number; keep: Int32Array } | null, bnKeep: Int32Array | null): void {
  const w = weight ? gather(src.w, weight.keep, weight.axis) : src.w;
  dst.w.assign(w);
  if (w !== src.w) w.dispose();
  for (const k of ['gamma', 'beta', 'mean', 'variance'] as const) {
    const v = bnKeep ? gather(src.bn[k], bnKeep, 0) : src.bn[k];
    dst.bn[k].assign(v);
    if (v !== src.bn[k]) v.dispose();
  }
}

/**
 * Structured pruning of hidden (expansion) channels: for each block b with ratios[b] > 0, keeps the most
 * important hidden channels (see `channelImportance`) and builds a thinner student with those weights copied
 * exactly — expand conv output channels, expand BN, depthwise filters and BN, project conv input channels.
 * Block inputs/outputs are untouched (they are tied by residual adds). ratios[b] = 0 keeps the block as is.
 * Returns the new config (blocks with `hidden` set) and new parameters; the source is not modified.
 * @throws PruneError BAD_RATIO for a ratio outside [0, 1) or on a block without an expand conv.
 */
export function pruneStudent(config: StudentConfig, params: StudentParams, ratios: readonly number[], minChannels = 8): { config: StudentConfig; params: StudentParams; kept: (Int32Array | null)[] } {
  const kept: (Int32Array | null)[] = [];
  const blocks: BlockConfig[] = config.blocks.map((b, i) => {
    const r = ratios[i] ?? 0;
    if (r === 0) { kept.push(null); return { ...b }; }
    if (!hasExpand(b)) throw new PruneError('BAD_RATIO', `block ${i} has no expand conv (t = 1), so it has no hidden channels to prune; use ratio 0 for it`);
    const h = hiddenChannels(b);
    const keep = topChannels(channelImportance(config, params, i)!, keptChannels(h, r, minChannels));
    kept.push(keep);
    return { ...b, hidden: keep.length };
  });
  const newConfig = validateStudent({ ...config, blocks });
  const np = initStudent(newConfig, 0);
  copyConvBn(np.stem, params.stem, null, null);
  copyConvBn(np.head, params.head, null, null);
  np.fc.w.assign(params.fc.w);
  np.fc.b.assign(params.fc.b);
  config.blocks.forEach((_, i) => {
    const keep = kept[i];
    const src = params.blocks[i];
    const dst = np.blocks[i];
    // expand [1, 1, in, h]: output channels (axis 3); depthwise [3, 3, h, 1]: channels (axis 2);
    // project [1, 1, h, out]: input channels (axis 2). BN of expand and depthwise follow the kept channels.
    if (src.expand && dst.expand) copyConvBn(dst.expand, src.expand, keep && { axis: 3, keep }, keep);
    copyConvBn(dst.depthwise, src.depthwise, keep && { axis: 2, keep }, keep);
    copyConvBn(dst.project, src.project, keep && { axis: 2, keep }, null);
  });
  return { config: newConfig, params: np, kept };
}

/**
 * Trainable parameter count of a student config by formula (no weights needed): convs without bias, BatchNorm
 * γ and β per channel, classifier weights and bias.
 */
export function studentParamCount(c: StudentConfig): number {
  const bn = (ch: number) => 2 * ch;
  let n = 9 * c.inputChannels * c.stem + bn(c.stem);
  for (const b of c.blocks) {
    const h = hiddenChannels(b);
    if (hasExpand(b)) n += b.in * h + bn(h);
    n += 9 * h + bn(h);
    n += h * b.out + bn(b.out);
  }
  const last = c.blocks[c.blocks.length - 1].out;
  n += last * c.head + bn(c.head);
  n += c.head * c.numClasses + c.numClasses;
  return n;
}
