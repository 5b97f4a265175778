import * as tf from '@tensorflow/tfjs-core';

/** The soft (teacher) term of the distillation loss. */
export type SoftLossName = 'kl' | 'logit-mse';

/** Knowledge-distillation settings (Hinton, Vinyals & Dean 2015, "Distilling the Knowledge in a Neural Network"). */
export interface KdLossConfig {
  /** Softmax temperature T applied to both teacher and student logits in the KL term (default 4; unused by 'logit-mse'). */
  temperature: number;
  /** Weight α of the hard-label cross-entropy; 1 − α weighs the soft term. α = 1 is the no-teacher baseline. */
  alpha: number;
  /**
   * The soft term: 'kl' (default) — T²·KL(softmax(teacher/T) ‖ softmax(student/T)) (Hinton et al. 2015);
   * 'logit-mse' — logit matching, the mean over the K classes of (student − teacher logit)² (Ba & Caruana 2014,
   * "Do Deep Nets Really Need to be Deep?"; Kim et al. 2021, "Comparing Kullback-Leibler Divergence and Mean
   * Squared Error Loss in Knowledge Distillation", who find it transfers more of the teacher than KL). Its gradient,
   * 2/K·(z_s − z_t), is twice the high-temperature limit of the T²-scaled KL's for zero-mean logits.
   */
  soft?: SoftLossName;
}

/**
 * `α·CE(student, label) + (1 − α)·soft(student, teacher)`, batch mean; soft is T²·KL(softmax(teacher/T) ‖
 * softmax(student/T)) — T² keeps its gradient magnitude independent of T (Hinton et al. 2015, §2) — or the
 * per-class mean squared logit difference (`cfg.soft = 'logit-mse'`).
 * Shapes: studentLogits [N, K], teacherLogits [N, K] (ignored when α = 1), labels int32 [N]. Returns a scalar.
 */
export function kdLoss(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D | null, labels: tf.Tensor1D, cfg: KdLossConfig): tf.Scalar {
  return tf.tidy(() => {
    const k = studentLogits.shape[1];
    const logP = tf.logSoftmax(studentLogits);
    const ce = tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, k), logP), 1))) as tf.Scalar;
    if (cfg.alpha >= 1 || !teacherLogits) return ce;
    if (cfg.soft === 'logit-mse') {
      const d = tf.sub(studentLogits, teacherLogits);
      return tf.add(tf.mul(ce, cfg.alpha), tf.mul(tf.mean(tf.mul(d, d)), 1 - cfg.alpha)) as tf.Scalar;
    }
    const T = cfg.temperature;
    const logPt = tf.logSoftmax(tf.div(teacherLogits, T));
    const logPs = tf.logSoftmax(tf.div(studentLogits, T));
    const kl = tf.mean(tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), 1));
    return tf.add(tf.mul(ce, cfg.alpha), tf.mul(kl, (1 - cfg.alpha) * T * T)) as tf.Scalar;
  });
}
