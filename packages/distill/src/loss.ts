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
