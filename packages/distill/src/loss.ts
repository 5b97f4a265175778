import * as tf from '@tensorflow/tfjs-core';

/** Knowledge-distillation settings (Hinton, Vinyals & Dean 2015, "Distilling the Knowledge in a Neural Network"). */
export interface KdLossConfig {
  /** Softmax temperature T applied to both teacher and student logits in the KL term (default 4). */
  temperature: number;
  /** Weight α of the hard-label cross-entropy; 1 − α weighs the soft KL term. α = 1 is the no-teacher baseline. */
  alpha: number;
}

/**
 * `α·CE(student, label) + (1 − α)·T²·KL(softmax(teacher/T) ‖ softmax(student/T))`, batch mean.
 * T² keeps the soft term's gradient magnitude independent of T (Hinton et al. 2015, §2).
 * Shapes: studentLogits [N, K], teacherLogits [N, K] (ignored when α = 1), labels int32 [N]. Returns a scalar.
 */
export function kdLoss(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D | null, labels: tf.Tensor1D, cfg: KdLossConfig): tf.Scalar {
  return tf.tidy(() => {
    const k = studentLogits.shape[1];
    const logP = tf.logSoftmax(studentLogits);
    const ce = tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, k), logP), 1))) as tf.Scalar;
    if (cfg.alpha >= 1 || !teacherLogits) return ce;
    const T = cfg.temperature;
    const logPt = tf.logSoftmax(tf.div(teacherLogits, T));
    const logPs = tf.logSoftmax(tf.div(studentLogits, T));
    const kl = tf.mean(tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), 1));
    return tf.add(tf.mul(ce, cfg.alpha), tf.mul(kl, (1 - cfg.alpha) * T * T)) as tf.Scalar;
  });
}

/**
 * Attention-transfer loss (Zagoruyko & Komodakis 2017, "Paying More Attention to Attention"): for each pair of
 * feature maps at matching resolution, the L2 distance between the L2-normalized spatial attention maps
 * Q = mean_c |A_c|² (flattened H·W), averaged over the batch and summed over pairs, times β/2 as in the paper.
 * studentMaps: NHWC [N, H, W, C]; teacherAttention: precomputed normalized maps [N, H·W] (see `attentionMap`).
 */
export function attentionTransferLoss(studentMaps: tf.Tensor4D[], teacherAttention: tf.Tensor2D[], beta: number): tf.Scalar {
  return tf.tidy(() => {
    let total: tf.Scalar = tf.scalar(0);
    studentMaps.forEach((s, i) => {
      const qs = attentionMap(s);
      const d = tf.sub(qs, teacherAttention[i]);
      total = tf.add(total, tf.mean(tf.sqrt(tf.add(tf.sum(tf.mul(d, d), 1), 1e-12)))) as tf.Scalar;
    });
    return tf.mul(total, beta / 2) as tf.Scalar;
  });
}

/** Spatial attention of NHWC maps: mean over channels of A², flattened and L2-normalized per image → [N, H·W]. */
export function attentionMap(maps: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, h, w] = maps.shape;
    const q = tf.reshape(tf.mean(tf.square(maps), 3), [n, h * w]);
    return tf.div(q, tf.add(tf.norm(q, 2, 1, true), 1e-12)) as tf.Tensor2D;
  });
}
