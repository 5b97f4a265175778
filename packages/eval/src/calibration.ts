/**
 * Expected calibration error (ECE).
 *
 * Reference: Guo, Pleiss, Sun & Weinberger (2017), "On Calibration of Modern
 * Neural Networks", ICML — eq. (3), with the binning of their reference code
 * (`confidence > lower && confidence <= upper`).
 */
import { EvalError } from './errors.ts';
import { argmax } from './softmax.ts';
import { checkLabelledScores } from './validate.ts';

/**
 * Bin index of a confidence in [0,1] for `bins` equal-width bins, where bin i
 * covers (i/bins, (i+1)/bins]; 0 goes in bin 0 and 1 in the last bin (internal).
 * @internal
 */
export function confidenceBin(conf: number, bins: number): number {
  const b = Math.ceil(conf * bins) - 1;
  return b < 0 ? 0 : b >= bins ? bins - 1 : b;
}

/** Validate the `bins` option (internal). @internal */
export function checkBins(bins: number): void {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new EvalError('INVALID_ARGUMENT', `bins must be a positive integer (Guo et al. use 15), got ${bins}.`);
  }
}

/**
 * Per-sample confidence `probs[i, pred[i]]`, correctness and bin (internal;
 * shared with the bootstrap in evaluate.ts). `pred` must be the row argmax.
 * @internal
 */
export function calibrationTable(
  probs: Float32Array,
  labels: Int32Array,
  pred: Int32Array,
  k: number,
  bins: number,
): { conf: Float64Array; correct: Uint8Array; bin: Int32Array } {
  const n = labels.length;
  const conf = new Float64Array(n);
  const correct = new Uint8Array(n);
  const bin = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    conf[i] = probs[i * k + pred[i]];
    correct[i] = pred[i] === labels[i] ? 1 : 0;
    bin[i] = confidenceBin(conf[i], bins);
  }
  return { conf, correct, bin };
}

/**
 * ECE from a calibration table, with optional per-sample multiplicities
 * (bootstrap resample counts; null = all 1). O(N + bins) (internal).
 * @internal
 */
export function eceFromTable(
  table: { conf: Float64Array; correct: Uint8Array; bin: Int32Array },
  bins: number,
  weights: Int32Array | null,
): number {
  const cnt = new Float64Array(bins);
  const acc = new Float64Array(bins);
  const cs = new Float64Array(bins);
  let total = 0;
  const { conf, correct, bin } = table;
  for (let i = 0; i < conf.length; i++) {
    const w = weights === null ? 1 : weights[i];
    if (w === 0) continue;
    const b = bin[i];
    cnt[b] += w;
    acc[b] += w * correct[i];
    cs[b] += w * conf[i];
    total += w;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (cnt[b] > 0) ece += (cnt[b] / total) * Math.abs(acc[b] / cnt[b] - cs[b] / cnt[b]);
  }
  return ece;
}

/**
 * Expected calibration error (Guo et al. 2017):
 * `ECE = Σ_b (|B_b|/N) · |acc(B_b) − conf(B_b)|`, where confidence = max
 * class probability, prediction = its argmax (ties → lowest index), acc(B_b)
 * = fraction correct in bin b, conf(B_b) = mean confidence in bin b; empty
 * bins contribute 0.
 *
 * Binning convention: `bins` equal-width bins over [0,1]; bin i covers the
 * half-open interval (i/bins, (i+1)/bins], so a confidence exactly on an edge
 * goes in the lower bin, a confidence of exactly 1 goes in the last bin (and 0
 * in the first). Edges are tested on the float64 value of the float32
 * probability (e.g. float32 0.6 is slightly above 0.6).
 *
 * @param probs `[N,k]` row-major Float32Array of class probabilities in [0,1] (e.g. from {@link softmax}).
 * @param labels Int32Array `[N]` true class ids in [0, k).
 * @param k number of classes, >= 2.
 * @param bins number of equal-width bins, default 15.
 * @returns ECE in [0, 1] (a fraction, not a percentage).
 * @throws {EvalError} `LENGTH_MISMATCH` if `probs.length !== N*k`; `EMPTY_INPUT` if N = 0;
 *   `INVALID_NUM_CLASSES` if k < 2; `OUT_OF_RANGE` for a label outside [0, k) or a
 *   probability outside [0, 1]; `NON_FINITE` for NaN/±Infinity; `INVALID_ARGUMENT` if bins is not a positive integer.
 */
export function expectedCalibrationError(probs: Float32Array, labels: Int32Array, k: number, bins = 15): number {
  checkBins(bins);
  const n = checkLabelledScores(probs, 'probs', labels, k);
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] < 0 || probs[i] > 1) {
      throw new EvalError(
        'OUT_OF_RANGE',
        `probs[${i}] = ${probs[i]} is not a probability in [0, 1]; pass softmax(logits), not raw logits.`,
      );
    }
  }
  return eceFromTable(calibrationTable(probs, labels, argmax(probs, n, k), k, bins), bins, null);
}

/**
 * Temperature scaling (Guo et al. 2017, §4.2): the T > 0 that minimizes the mean negative log-likelihood of
 * `softmax(logits / T)` on held-out data (the validation split). Dividing the logits by T keeps every argmax,
 * so accuracy and agreement do not change; for K = 2 the ranking (AUC) does not either. The NLL is convex in
 * 1/T, so a golden-section search over log T in [1/20, 20] (80 steps, float64) finds the optimum.
 *
 * @param logits `[N,k]` row-major raw model outputs on held-out data.
 * @param labels Int32Array `[N]` true class ids in [0, k).
 * @param k number of classes, >= 2.
 * @returns T in [0.05, 20]; T > 1 softens over-confident logits, T < 1 sharpens.
 * @throws {EvalError} `LENGTH_MISMATCH`, `EMPTY_INPUT`, `INVALID_NUM_CLASSES`, `OUT_OF_RANGE`, `NON_FINITE` as elsewhere.
 */
export function fitTemperature(logits: Float32Array, labels: Int32Array, k: number): number {
  const n = checkLabelledScores(logits, 'logits', labels, k);
  const nll = (logT: number): number => {
    const inv = Math.exp(-logT);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const b = i * k;
      let max = -Infinity;
      for (let j = 0; j < k; j++) max = Math.max(max, logits[b + j] * inv);
      let z = 0;
      for (let j = 0; j < k; j++) z += Math.exp(logits[b + j] * inv - max);
      sum += max + Math.log(z) - logits[b + labels[i]] * inv;
    }
    return sum / n;
  };
  const phi = (Math.sqrt(5) - 1) / 2;
  let lo = Math.log(0.05), hi = Math.log(20);
  let x1 = hi - phi * (hi - lo), x2 = lo + phi * (hi - lo);
  let f1 = nll(x1), f2 = nll(x2);
  for (let it = 0; it < 80; it++) {
    if (f1 <= f2) { hi = x2; x2 = x1; f2 = f1; x1 = hi - phi * (hi - lo); f1 = nll(x1); }
    else { lo = x1; x1 = x2; f1 = f2; x2 = lo + phi * (hi - lo); f2 = nll(x2); }
  }
  return Math.exp((lo + hi) / 2);
}

/**
 * Decision-bias calibration: per-class logit offsets b (Menon et al. 2021, "Long-tail learning via logit
 * adjustment", with b fitted rather than set from class priors) chosen so that `argmax(logits + b)` predicts
 * each class exactly as often as a reference does on the same held-out images — for a distilled student, the
 * teacher: the operating point is moved until the student's predicted-class rates are the teacher's. A student
 * that ranks like the teacher (AUC) but leans toward one class loses sensitivity on the others; the offsets remove
 * the lean without retraining, and fold into the last layer's bias (no run-time cost).
 * K = 2: exact — the boundary is put midway between the n₀-th and (n₀+1)-th largest margins z₀ − z₁. K > 2:
 * cyclic coordinate updates of one class's offset at a time (the same midpoint rule on that class's margin
 * against the best other class), up to 50 rounds, keeping the offsets with the smallest total count mismatch.
 * A class the reference never (or always) predicts keeps offset 0: no boundary can be placed from the data.
 *
 * @param logits `[N,K]` row-major (already divided by any temperature: the offsets are in these units).
 * @param reference Int32Array `[N]` the reference's top-1 classes on the same images (e.g. argmax of teacher logits).
 * @param k number of classes, >= 2.
 * @returns offsets `[K]` centred to sum 0, and the predicted counts before/after and the reference's.
 * @throws {EvalError} `LENGTH_MISMATCH`, `EMPTY_INPUT`, `INVALID_NUM_CLASSES`, `OUT_OF_RANGE`, `NON_FINITE`.
 */
export function fitDecisionOffsets(logits: Float32Array, reference: Int32Array, k: number): { offsets: number[]; countsBefore: number[]; countsAfter: number[]; referenceCounts: number[] } {
  const n = checkLabelledScores(logits, 'logits', reference, k, 'reference');
  const target = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) target[reference[i]]++;
  const counts = (b: number[]) => {
    const c = new Array<number>(k).fill(0);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (logits[i * k + j] + b[j] > logits[i * k + best] + b[best]) best = j;
      c[best]++;
    }
    return c;
  };
  const mismatch = (c: number[]) => c.reduce((s, x, j) => s + Math.abs(x - target[j]), 0);
  let b = new Array<number>(k).fill(0);
  const countsBefore = counts(b);
  let best = { b: [...b], miss: mismatch(countsBefore) };
  const margin = new Float64Array(n);
  for (let round = 0; round < (k === 2 ? 1 : 50) && best.miss > 0; round++) {
    for (let c = 0; c < (k === 2 ? 1 : k); c++) {
      if (target[c] === 0 || target[c] === n) continue;
      for (let i = 0; i < n; i++) {
        let other = -Infinity;
        for (let j = 0; j < k; j++) if (j !== c) other = Math.max(other, logits[i * k + j] + b[j]);
        margin[i] = logits[i * k + c] - other; // class c wins row i iff margin + b_c > 0
      }
      const sorted = Float64Array.from(margin).sort().reverse();
      b[c] = -(sorted[target[c] - 1] + sorted[target[c]]) / 2;
      const miss = mismatch(counts(b));
      if (miss < best.miss) best = { b: [...b], miss };
    }
  }
  b = best.b;
  const mean = b.reduce((s, x) => s + x, 0) / k;
  const offsets = b.map((x) => x - mean);
  return { offsets, countsBefore, countsAfter: counts(offsets), referenceCounts: target };
}
