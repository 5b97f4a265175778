/**
 * Area under the ROC curve via the Mann–Whitney U statistic.
 *
 * Reference: Hanley & McNeil (1982), "The meaning and use of the area under a
 * receiver operating characteristic (ROC) curve", Radiology 143:29–36 —
 * AUC = U / (P·Q) = P(score of a random positive > score of a random negative)
 * + ½·P(tie). Multi-class: macro one-vs-rest average as in scikit-learn's
 * `roc_auc_score(multi_class='ovr', average='macro')`.
 */
import { logOdds } from './softmax.ts';
import { checkLabelledScores } from './validate.ts';

/**
 * Indices 0..n-1 sorted by ascending score (internal; O(n log n)).
 * @internal
 */
export function ascendingOrder(scores: Float64Array): Int32Array {
  const order = new Int32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => scores[a] - scores[b]);
  return order;
}

/**
 * Weighted Mann–Whitney AUC over a pre-sorted order (internal; O(n)).
 *
 * Walks groups of tied scores in ascending order; each positive in a group
 * scores (#negatives strictly below) + ½·(#negatives tied), which equals the
 * rank-sum form U = R₊ − P(P+1)/2 with average ranks for ties. `weights[i]`
 * is the multiplicity of sample i (bootstrap resample counts); null = all 1.
 * Returns NaN when the (weighted) sample has no positives or no negatives.
 * @internal
 */
export function aucFromOrder(
  order: Int32Array,
  scores: Float64Array,
  isPositive: Uint8Array,
  weights: Int32Array | null,
): number {
  const n = order.length;
  let negBelow = 0;
  let u = 0;
  let pos = 0;
  let neg = 0;
  let i = 0;
  while (i < n) {
    const s = scores[order[i]];
    let pg = 0;
    let ng = 0;
    let j = i;
    while (j < n && scores[order[j]] === s) {
      const idx = order[j];
      const w = weights === null ? 1 : weights[idx];
      if (isPositive[idx]) pg += w;
      else ng += w;
      j++;
    }
    u += pg * (negBelow + 0.5 * ng);
    negBelow += ng;
    pos += pg;
    neg += ng;
    i = j;
  }
  return pos === 0 || neg === 0 ? NaN : u / (pos * neg);
}

/**
 * Column c of a row-major `[n,k]` matrix as float64 (internal).
 * @internal
 */
export function column(probs: Float32Array | Float64Array, n: number, k: number, c: number): Float64Array {
  const col = new Float64Array(n);
  for (let i = 0; i < n; i++) col[i] = probs[i * k + c];
  return col;
}

/**
 * ROC AUC of class scores against true labels, O(N log N) per class.
 *
 * - K = 2: binary AUC with score `probs[:,1]` and class 1 as positive.
 * - K > 2: macro average of one-vs-rest AUCs (score `probs[:,c]`, positive =
 *   label c) over the classes that are *present*, i.e. that have at least one
 *   positive and one negative sample; other classes are left out of the mean.
 *
 * Computed by the Mann–Whitney U statistic with ties counted ½ (sort, then
 * average ranks within tied groups): AUC = U / (P·Q).
 *
 * @param probs `[N,k]` row-major per-class scores (only the order matters). Prefer
 *   {@link rocAucFromLogits}: float32 probabilities saturate at 1.0 for confident rows and tie them.
 * @param labels Int32Array `[N]` true class ids in [0, k).
 * @param k number of classes, >= 2.
 * @returns AUC in [0, 1]; **NaN** when undefined (K = 2 with only one class in
 *   `labels`; K > 2 with no class having both positives and negatives).
 * @throws {EvalError} `LENGTH_MISMATCH` if `probs.length !== N*k`; `EMPTY_INPUT` if N = 0;
 *   `INVALID_NUM_CLASSES` if k < 2; `OUT_OF_RANGE` for a label outside [0, k);
 *   `NON_FINITE` if a score is NaN or ±Infinity.
 */
export function rocAuc(probs: Float32Array | Float64Array, labels: Int32Array, k: number): number {
  const n = checkLabelledScores(probs, 'probs', labels, k);
  const classes = k === 2 ? [1] : Array.from({ length: k }, (_, c) => c);
  let sum = 0;
  let count = 0;
  const isPos = new Uint8Array(n);
  for (const c of classes) {
    for (let i = 0; i < n; i++) isPos[i] = labels[i] === c ? 1 : 0;
    const scores = column(probs, n, k, c);
    const auc = aucFromOrder(ascendingOrder(scores), scores, isPos, null);
    if (!Number.isNaN(auc)) {
      sum += auc;
      count++;
    }
  }
  return count === 0 ? NaN : sum / count;
}

/**
 * ROC AUC ranked by float64 one-vs-rest log-odds of the logits ({@link logOdds}; for K = 2 the logit
 * difference z₁ − z₀) — what every AUC in medslim (evaluation, the gate and its bootstrap, training's
 * validation) uses. Ranking by float32 softmax probabilities ties every row whose margin exceeds ~17:
 * margins 30, 25, 20 for the positives against 18 and −3 for the negatives give 0.75 that way and 1.0 here.
 *
 * @param logits `[N,k]` row-major raw model outputs.
 * @param labels Int32Array `[N]` true class ids in [0, k).
 * @param k number of classes, >= 2.
 * @returns AUC in [0, 1]; NaN when undefined (see {@link rocAuc}).
 * @throws {EvalError} as {@link rocAuc} and {@link logOdds}.
 */
export function rocAucFromLogits(logits: Float32Array | Float64Array, labels: Int32Array, k: number): number {
  checkLabelledScores(logits, 'logits', labels, k);
  return rocAuc(logOdds(logits, labels.length, k), labels, k);
}
