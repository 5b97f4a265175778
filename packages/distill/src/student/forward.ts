import * as tf from '@tensorflow/tfjs-core';
import { batchNormTraining } from '../kernels/BatchNormTrain.ts';
import { hasResidual, type StudentConfig } from './config.ts';
import { assignValues, type ConvBn, type StudentParams } from './params.ts';

/** BatchNorm epsilon and running-statistics momentum, as PyTorch's defaults (eps 1e-5, momentum 0.1). */
export const BN_EPSILON = 1e-5;
export const BN_MOMENTUM = 0.1;

/** Running-statistics updates collected during a training forward pass, applied after the step. */
export type StatUpdates = { mean: tf.Variable; variance: tf.Variable; batchMean: tf.Tensor; batchVar: tf.Tensor; count: number }[];

function convBn(x: tf.Tensor4D, c: ConvBn, stride: number, depthwise: boolean, training: boolean, updates: StatUpdates | null): tf.Tensor4D {
  const y: tf.Tensor4D = depthwise
    ? tf.depthwiseConv2d(x, c.w as unknown as tf.Tensor4D, stride, 'same')
    : tf.conv2d(x, c.w as unknown as tf.Tensor4D, stride, 'same');
  if (!training) {
    return tf.batchNorm(y, c.bn.mean, c.bn.variance, c.bn.beta, c.bn.gamma, BN_EPSILON) as tf.Tensor4D;
  }
  // Batch statistics over N, H, W (per channel), as BatchNorm in training mode (Ioffe & Szegedy 2015).
  const bn = batchNormTraining(y, c.bn.gamma, c.bn.beta, BN_EPSILON);
  if (updates) updates.push({ mean: c.bn.mean, variance: c.bn.variance, batchMean: tf.keep(bn.mean.clone()), batchVar: tf.keep(bn.variance.clone()), count: y.shape[0] * y.shape[1] * y.shape[2] });
  return bn.y as tf.Tensor4D;
}

/**
 * Student forward pass. `x` is NHWC [N, H, W, C] float32 in the model's input contract; returns logits [N, K].
 * In training mode BatchNorm normalizes with batch statistics and, when `updates` is given, records them so
 * `applyStatUpdates` can move the running statistics after the step; in eval mode it uses the running ones.
 */
export function forward(config: StudentConfig, p: StudentParams, x: tf.Tensor4D, training: boolean, updates: StatUpdates | null = null): tf.Tensor2D {
  let h = tf.relu6(convBn(x, p.stem, 1, false, training, updates));
  config.blocks.forEach((b, i) => {
    const bp = p.blocks[i];
    const input = h;
    let y = bp.expand ? tf.relu6(convBn(h, bp.expand, 1, false, training, updates)) : h;
    y = tf.relu6(convBn(y, bp.depthwise, b.stride, true, training, updates));
    y = convBn(y, bp.project, 1, false, training, updates);
    h = hasResidual(b) ? tf.add(input, y) : y;
  });
  h = tf.relu6(convBn(h, p.head, 1, false, training, updates));
  const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D; // global average pool → [N, head]
  return tf.add(tf.matMul(pooled, p.fc.w as unknown as tf.Tensor2D), p.fc.b) as tf.Tensor2D;
}

/**
 * Moves running mean/variance toward one step's batch statistics, in place: running = (1 − m)·running + m·batch,
 * with the unbiased batch variance (n/(n−1), n = `count` values per channel), as PyTorch's BatchNorm does.
 * Float64 arithmetic, float32 storage. All arrays hold one value per channel.
 */
export function updateRunningStats(mean: Float32Array, variance: Float32Array, batchMean: Float32Array, batchVar: Float32Array, count: number, momentum = BN_MOMENTUM): void {
  const unbias = count / Math.max(1, count - 1);
  for (let j = 0; j < mean.length; j++) {
    mean[j] = (1 - momentum) * mean[j] + momentum * batchMean[j];
    variance[j] = (1 - momentum) * variance[j] + momentum * batchVar[j] * unbias;
  }
}

/** `updateRunningStats` on the running-statistics variables from recorded updates. Disposes the recorded tensors. */
export function applyStatUpdates(updates: StatUpdates, momentum = BN_MOMENTUM): void {
  for (const u of updates) {
    const mean = Float32Array.from(u.mean.dataSync()), variance = Float32Array.from(u.variance.dataSync());
    updateRunningStats(mean, variance, u.batchMean.dataSync() as Float32Array, u.batchVar.dataSync() as Float32Array, u.count, momentum);
    assignValues(u.mean, mean);
    assignValues(u.variance, variance);
    u.batchMean.dispose();
    u.batchVar.dispose();
  }
  updates.length = 0;
}
