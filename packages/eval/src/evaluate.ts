/**
 * One-call evaluation of a classifier's logits on a labelled test set, with
 * bootstrap confidence intervals — the `test` object of a report.json stage.
 */
import { accuracy, agreement } from './accuracy.ts';
import { ascendingOrder, aucFromOrder, column, rocAuc } from './auc.ts';
import { bootstrapCis, type ConfidenceInterval } from './bootstrap.ts';
import { calibrationTable, eceFromTable } from './calibration.ts';
import { confusionMatrix, perClassRates } from './confusion.ts';
import { EvalError } from './errors.ts';
import { argmax, logOdds, softmax } from './softmax.ts';
import { checkClassIndices, checkNonEmpty, checkNumClasses, checkSameLength } from './validate.ts';

/** Number of equal-width ECE bins used by {@link evaluateClassifier} (Guo et al. 2017). */
export const ECE_BINS = 15;

/**
 * Test-set metrics of one model (the `test` object of a report.json stage).
 * All rates are fractions in [0, 1]; NaN marks an undefined value (JSON: null).
 */
export interface TestMetrics {
  /** Number of test samples N. */
  n: number;
  /** Top-1 accuracy. */
  accuracy: number;
  /** ROC AUC ranked by float64 log-odds (see rocAucFromLogits): binary for K = 2, macro one-vs-rest for K > 2. */
  auc: number;
  /** Expected calibration error, 15 equal-width bins (see expectedCalibrationError). */
  ece: number;
  /** Top-1 agreement with `referencePred` (e.g. the teacher); null when none was given. */
  agreement: number | null;
  /** One-vs-rest rates per class, in class-index order; `label` is the class name. */
  perClass: { label: string; sensitivity: number; specificity: number; support: number }[];
  /** K×K counts, rows = true class, columns = predicted class. */
  confusion: number[][];
  /** Percentile-bootstrap 95% CIs `[low, high]`, all from the same resamples. */
  ci95: {
    accuracy: [number, number];
    auc: [number, number];
    ece: [number, number];
    agreement: [number, number] | null;
    /** Per-class sensitivity CI, class-index order. */
    sensitivity: [number, number][];
  };
}

/** Options for {@link evaluateClassifier}. */
export interface EvaluateOptions {
  /** Int32Array `[N]` top-1 predictions of a reference model (the teacher) for `agreement`. */
  referencePred?: Int32Array;
  /** Bootstrap settings: iterations (default 1000), seed (default 0). */
  bootstrap?: { iterations?: number; seed?: number };
  /** Class names, length K; default `['0', '1', ...]`. */
  labelNames?: string[];
}

/**
 * Build the per-resample statistic function used by evaluateClassifier's
 * bootstrap (internal; exported for tests). Given resampled indices it returns
 * `[accuracy, auc, ece, agreement (NaN if no reference), sensitivity_0..K-1]`,
 * each O(N) (or O(N·K) for multi-class AUC) via resample multiplicities and
 * score orders sorted once up front.
 * @internal
 */
export function resampleStatistics(
  probs: Float32Array,
  scores: Float64Array,
  pred: Int32Array,
  labels: Int32Array,
  k: number,
  referencePred: Int32Array | null,
): (idx: Int32Array) => Float64Array {
  const n = labels.length;
  const table = calibrationTable(probs, labels, pred, k, ECE_BINS);
  const aucClasses = k === 2 ? [1] : Array.from({ length: k }, (_, c) => c);
  const aucInputs = aucClasses.map((c) => {
    const col = column(scores, n, k, c);
    const isPos = new Uint8Array(n);
    for (let i = 0; i < n; i++) isPos[i] = labels[i] === c ? 1 : 0;
    return { scores: col, isPos, order: ascendingOrder(col) };
  });
  const counts = new Int32Array(n);
  const tp = new Float64Array(k);
  const support = new Float64Array(k);
  return (idx) => {
    counts.fill(0);
    for (let j = 0; j < idx.length; j++) counts[idx[j]]++;
    tp.fill(0);
    support.fill(0);
    let correct = 0;
    let agree = 0;
    for (let i = 0; i < n; i++) {
      const w = counts[i];
      if (w === 0) continue;
      support[labels[i]] += w;
      if (table.correct[i]) {
        correct += w;
        tp[labels[i]] += w;
      }
      if (referencePred !== null && referencePred[i] === pred[i]) agree += w;
    }
    let aucSum = 0;
    let aucCount = 0;
    for (const a of aucInputs) {
      const v = aucFromOrder(a.order, a.scores, a.isPos, counts);
      if (!Number.isNaN(v)) {
        aucSum += v;
        aucCount++;
      }
    }
    const out = new Float64Array(4 + k);
    out[0] = correct / idx.length;
    out[1] = aucCount === 0 ? NaN : aucSum / aucCount;
    out[2] = eceFromTable(table, ECE_BINS, counts);
    out[3] = referencePred === null ? NaN : agree / idx.length;
    for (let c = 0; c < k; c++) out[4 + c] = support[c] === 0 ? NaN : tp[c] / support[c];
    return out;
  };
}

const pair = (ci: ConfidenceInterval): [number, number] => [ci.low, ci.high];

/**
 * Evaluate classifier logits against true labels: accuracy, AUC, ECE,
 * per-class sensitivity/specificity, confusion matrix, optional agreement with
 * a reference model, and percentile-bootstrap 95% CIs.
 *
 * Definitions: probabilities = {@link softmax}(logits); prediction =
 * argmax(logits) (ties → lowest index); AUC ranked by float64 one-vs-rest log-odds ({@link logOdds}; the
 * logit difference for K = 2 — float32 probabilities saturate and tie confident rows); ECE =
 * Guo et al. 2017 with 15 bins ({@link expectedCalibrationError}) on the softmax
 * probability of the predicted class; see the individual
 * metric functions for references and conventions. The bootstrap
 * ({@link bootstrapCis}) draws each resample once and evaluates every
 * statistic on it (joint resampling); resamples on which a statistic is
 * undefined (e.g. AUC with a single class, sensitivity of an absent class) are
 * skipped for that statistic only. Cost: O(N log N·K) setup + O(B·N·K) for B
 * resamples — about tens of ms for B = 1000, N = 624, K = 2.
 *
 * @param logits `[N,k]` row-major Float32Array of raw model outputs (e.g. from {@link runLogits}).
 * @param labels Int32Array `[N]` true class ids in [0, k).
 * @param k number of classes, >= 2.
 * @param opts referencePred (teacher top-1 `[N]`), bootstrap {iterations = 1000, seed = 0}, labelNames (length k).
 * @returns {@link TestMetrics}; deterministic for a given seed.
 * @throws {EvalError} `LENGTH_MISMATCH` if logits ≠ N·k values, or referencePred / labelNames have the
 *   wrong length; `INVALID_NUM_CLASSES` if k < 2; `EMPTY_INPUT` if N = 0; `NON_FINITE` for NaN/±Infinity
 *   logits; `OUT_OF_RANGE` for labels / referencePred outside [0, k); `INVALID_ARGUMENT` for bad bootstrap options.
 */
export function evaluateClassifier(
  logits: Float32Array,
  labels: Int32Array,
  k: number,
  opts?: EvaluateOptions,
): TestMetrics {
  checkNumClasses(k);
  const n = labels.length;
  checkNonEmpty(n, 'labels.length');
  if (logits.length !== n * k) {
    throw new EvalError(
      'LENGTH_MISMATCH',
      `logits has length ${logits.length} but must be [N,K] row-major with N = labels.length = ${n} and K = k = ${k} (${n * k} values); check k and that logits and labels cover the same samples.`,
    );
  }
  checkClassIndices(labels, 'labels', k);
  const ref = opts?.referencePred ?? null;
  if (ref !== null) {
    checkSameLength(ref, 'opts.referencePred', labels, 'labels');
    checkClassIndices(ref, 'opts.referencePred', k);
  }
  const names = opts?.labelNames ?? Array.from({ length: k }, (_, c) => String(c));
  if (names.length !== k) {
    throw new EvalError(
      'LENGTH_MISMATCH',
      `opts.labelNames has ${names.length} names but k = ${k}; give exactly one name per class, in class-index order.`,
    );
  }

  const probs = softmax(logits, n, k);
  const scores = logOdds(logits, n, k);
  const pred = argmax(logits, n, k);
  const rates = perClassRates(pred, labels, k);

  const cis = bootstrapCis(n, resampleStatistics(probs, scores, pred, labels, k, ref), {
    iterations: opts?.bootstrap?.iterations ?? 1000,
    seed: opts?.bootstrap?.seed ?? 0,
    level: 0.95,
  });

  return {
    n,
    accuracy: accuracy(pred, labels),
    auc: rocAuc(scores, labels, k),
    ece: eceFromTable(calibrationTable(probs, labels, pred, k, ECE_BINS), ECE_BINS, null),
    agreement: ref === null ? null : agreement(pred, ref),
    perClass: rates.map((r) => ({
      label: names[r.label],
      sensitivity: r.sensitivity,
      specificity: r.specificity,
      support: r.support,
    })),
    confusion: confusionMatrix(pred, labels, k),
    ci95: {
      accuracy: pair(cis[0]),
      auc: pair(cis[1]),
      ece: pair(cis[2]),
      agreement: ref === null ? null : pair(cis[3]),
      sensitivity: Array.from({ length: k }, (_, c) => pair(cis[4 + c])),
    },
  };
}
