/**
 * Confusion matrix and per-class one-vs-rest sensitivity / specificity.
 */
import { checkClassIndices, checkNonEmpty, checkNumClasses, checkSameLength } from './validate.ts';

/** One-vs-rest rates for one class; see {@link perClassRates}. */
export interface ClassRates {
  /** Class index c in [0, K). */
  label: number;
  /** TP/(TP+FN) for class c vs rest (recall); NaN when the class has no true samples (support 0). */
  sensitivity: number;
  /** TN/(TN+FP) for class c vs rest; NaN when every sample belongs to class c. */
  specificity: number;
  /** Number of samples whose true label is c (TP+FN). */
  support: number;
}

/**
 * K×K confusion matrix of counts. `m[t][p]` = number of samples with true
 * class t predicted as p (rows = true class, columns = predicted class, the
 * scikit-learn convention).
 *
 * @param pred Int32Array `[N]` predicted class ids in [0, k).
 * @param labels Int32Array `[N]` true class ids in [0, k).
 * @param k number of classes, >= 2.
 * @returns `number[k][k]` of non-negative integer counts summing to N.
 * @throws {EvalError} `LENGTH_MISMATCH` if lengths differ; `EMPTY_INPUT` if N = 0;
 *   `INVALID_NUM_CLASSES` if k < 2; `OUT_OF_RANGE` if an id is outside [0, k).
 */
export function confusionMatrix(pred: Int32Array, labels: Int32Array, k: number): number[][] {
  checkNumClasses(k);
  checkSameLength(pred, 'pred', labels, 'labels');
  checkNonEmpty(labels.length, 'labels.length');
  checkClassIndices(pred, 'pred', k);
  checkClassIndices(labels, 'labels', k);
  const m: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]][pred[i]]++;
  return m;
}

/**
 * Per-class one-vs-rest sensitivity and specificity.
 *
 * For class c, with positives = samples whose true label is c:
 * TP = true c predicted c, FN = true c predicted other, FP = true other
 * predicted c, TN = true other predicted other. `sensitivity = TP/(TP+FN)`,
 * `specificity = TN/(TN+FP)`. A rate whose denominator is 0 is **NaN**
 * (undefined, not 0): sensitivity when class c has no samples, specificity
 * when all samples are class c. Serialise NaN deliberately (JSON turns it into null).
 *
 * @param pred Int32Array `[N]` predicted class ids in [0, k).
 * @param labels Int32Array `[N]` true class ids in [0, k).
 * @param k number of classes, >= 2.
 * @returns array of length k, entry c describes class c.
 * @throws {EvalError} same as {@link confusionMatrix}.
 */
export function perClassRates(pred: Int32Array, labels: Int32Array, k: number): ClassRates[] {
  const m = confusionMatrix(pred, labels, k);
  const n = labels.length;
  const colSum = new Array<number>(k).fill(0);
  for (let t = 0; t < k; t++) for (let p = 0; p < k; p++) colSum[p] += m[t][p];
  const out: ClassRates[] = [];
  for (let c = 0; c < k; c++) {
    const support = m[c].reduce((a, b) => a + b, 0);
    const tp = m[c][c];
    const fn = support - tp;
    const fp = colSum[c] - tp;
    const tn = n - tp - fn - fp;
    out.push({
      label: c,
      sensitivity: tp + fn === 0 ? NaN : tp / (tp + fn),
      specificity: tn + fp === 0 ? NaN : tn / (tn + fp),
      support,
    });
  }
  return out;
}
