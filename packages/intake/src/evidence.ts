/**
 * The evidence rule: with no contract from flags or metadata, measure the teacher on the validation split
 * under the usual preprocessing candidates and adopt one only when the measurement settles it.
 *
 * RULE (also in the README, "Bring your own model"): let `best` be the candidate with the most correct
 * validation images and `runner-up` the next one. `best` is adopted only when all four hold:
 *   1. accuracy(best) − accuracy(runner-up) ≥ 0.05 (5 percentage points), and
 *   2. the exact two-sided McNemar test on the images where exactly one of the two is right gives p < 0.01, and
 *   3. accuracy(best) − majority-class rate ≥ 0.05, and
 *   4. the exact one-sided binomial test of best's correct count against the majority-class rate gives p < 0.01.
 * Otherwise medslim refuses and names the flags. At most {@link EVIDENCE_MAX_IMAGES} validation images are
 * used (a seeded sample when there are more).
 *
 * Candidates (pixels p in 0–255, per channel c): raw p; p/255; (p/255 − 0.5)/0.5; ImageNet
 * (p/255 − [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225] (for one channel their means 0.449 / 0.226);
 * the dataset's own per-channel mean and std of p/255 over the train split (≤ 5000 sampled images).
 */
import * as ort from 'onnxruntime-node';
import type { ContractEvidence, InputContract } from '@medslim/contracts';
import { sampleIndices, type Dataset, type NdArray } from '@medslim/data';
import { scoreImages } from './score.ts';
import type { StaticInterface } from './read.ts';

export const EVIDENCE_MIN_MARGIN = 0.05;
export const EVIDENCE_ALPHA = 0.01;
export const EVIDENCE_MAX_IMAGES = 2000;
const STATS_MAX_IMAGES = 5000;

export const EVIDENCE_RULE =
  `adopt the best candidate only if it beats the runner-up by ≥ ${EVIDENCE_MIN_MARGIN * 100} accuracy points with an exact McNemar p < ${EVIDENCE_ALPHA}, ` +
  `and beats the majority-class rate by ≥ ${EVIDENCE_MIN_MARGIN * 100} points with an exact one-sided binomial p < ${EVIDENCE_ALPHA} (validation split, ≤ ${EVIDENCE_MAX_IMAGES} images)`;

/** log(n!) for n = 0…max. */
function logFactorials(max: number): Float64Array {
  const f = new Float64Array(max + 1);
  for (let i = 1; i <= max; i++) f[i] = f[i - 1] + Math.log(i);
  return f;
}

function logBinomPmf(lf: Float64Array, n: number, k: number, p: number): number {
  if (p <= 0) return k === 0 ? 0 : -Infinity;
  if (p >= 1) return k === n ? 0 : -Infinity;
  return lf[n] - lf[k] - lf[n - k] + k * Math.log(p) + (n - k) * Math.log(1 - p);
}

/** P(X ≥ x) for X ~ Binomial(n, p), summed in log space. */
export function binomialUpperTail(n: number, x: number, p: number): number {
  if (x <= 0) return 1;
  if (x > n) return 0;
  const lf = logFactorials(n);
  let s = 0;
  for (let i = x; i <= n; i++) s += Math.exp(logBinomPmf(lf, n, i, p));
  return Math.min(1, s);
}

/** Exact two-sided McNemar test: b images only A got right, c only B got right; p = min(1, 2·P(X ≤ min(b, c))), X ~ Bin(b + c, ½). */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const lf = logFactorials(n);
  let s = 0;
  for (let i = 0; i <= Math.min(b, c); i++) s += Math.exp(logBinomPmf(lf, n, i, 0.5));
  return Math.min(1, 2 * s);
}

/** Per-channel mean and std of p/255 over (a seeded sample of) the images. */
function datasetStats(images: NdArray, channels: number): { mean: number[]; std: number[] } {
  const [n, h, w] = images.shape;
  const c = images.shape.length === 4 ? images.shape[3] : 1;
  const idx = sampleIndices(n, Math.min(n, STATS_MAX_IMAGES), 0);
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  const per = h * w * c;
  for (const i of idx) {
    for (let p = 0; p < h * w; p++) {
      for (let ch = 0; ch < c; ch++) {
        const v = Number(images.data[i * per + p * c + ch]) / 255;
        sum[ch] += v;
        sq[ch] += v * v;
      }
    }
  }
  const count = idx.length * h * w;
  const mean = Array.from(sum, (s) => s / count);
  const std = Array.from(sq, (s, ch) => Math.sqrt(Math.max(s / count - mean[ch] ** 2, 1e-12)));
  // Gray images fed to an RGB model: one value for all channels.
  return c === channels ? { mean, std } : { mean: [mean[0]], std: [std[0]] };
}

/** The candidate contracts for a model with `channels` channels in `layout`, deduplicated. */
export function candidateContracts(layout: InputContract['layout'], channels: number, train: NdArray | undefined): { name: string; contract: InputContract }[] {
  const list: { name: string; contract: InputContract }[] = [
    { name: 'raw 0–255', contract: { layout, scale: 1, mean: [0], std: [1] } },
    { name: 'x/255', contract: { layout, scale: 1 / 255, mean: [0], std: [1] } },
    { name: '(x/255 − 0.5)/0.5', contract: { layout, scale: 1 / 255, mean: [0.5], std: [0.5] } },
    {
      name: 'ImageNet mean/std',
      contract: channels === 3
        ? { layout, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }
        : { layout, scale: 1 / 255, mean: [0.449], std: [0.226] },
    },
  ];
  if (train && train.shape[0] > 0) {
    const s = datasetStats(train, channels);
    list.push({ name: 'dataset mean/std', contract: { layout, scale: 1 / 255, mean: s.mean.map((m) => Number(m.toFixed(4))), std: s.std.map((v) => Number(v.toFixed(4))) } });
  }
  const seen = new Set<string>();
  return list.filter((c) => {
    const key = JSON.stringify([c.contract.scale, c.contract.mean, c.contract.std]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Apply the evidence rule (see the file comment) to a model whose interface lacks only the contract.
 * @param session an open ORT session of the model
 * @returns the evidence table; `adopted` names the adopted candidate (its contract is `adoptedContract`) or is null
 * @throws IntakeError from scoring (INFERENCE_FAILED, MODEL_OUTPUT, BAD_SCORES, CLASS_MISMATCH)
 */
export async function contractEvidence(session: ort.InferenceSession, iface: StaticInterface, ds: Dataset): Promise<ContractEvidence & { adoptedContract: InputContract | null }> {
  const val = ds.splits.val!;
  const idx = sampleIndices(val.count, Math.min(val.count, EVIDENCE_MAX_IMAGES), 0);
  const n = idx.length;
  const labels = Int32Array.from(idx, (i) => val.labels[i]);
  const counts = new Map<number, number>();
  for (const y of labels) counts.set(y, (counts.get(y) ?? 0) + 1);
  const majorityRate = Math.max(...counts.values()) / n;
  const candidates = candidateContracts(iface.input.layout, iface.input.channels, ds.splits.train?.images);
  const rows: (ContractEvidence['candidates'][number] & { right: Uint8Array })[] = [];
  for (const c of candidates) {
    const r = await scoreImages(session, iface, val.images, { indices: idx, contract: c.contract, what: `the teacher under '${c.name}'` });
    const right = new Uint8Array(n);
    let correct = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < r.numClasses; j++) if (r.logits[i * r.numClasses + j] > r.logits[i * r.numClasses + best]) best = j;
      if (best === labels[i]) { right[i] = 1; correct++; }
    }
    rows.push({ name: c.name, contract: c.contract, correct, accuracy: correct / n, right });
  }
  const order = [...rows].sort((a, b) => b.correct - a.correct);
  const [best, second] = order;
  let onlyBest = 0;
  let onlySecond = 0;
  for (let i = 0; i < n; i++) {
    if (best.right[i] && !second.right[i]) onlyBest++;
    else if (!best.right[i] && second.right[i]) onlySecond++;
  }
  const marginOverRunnerUp = best.accuracy - second.accuracy;
  const pValueVsRunnerUp = mcnemarExact(onlyBest, onlySecond);
  const marginOverMajority = best.accuracy - majorityRate;
  const pValueVsMajority = binomialUpperTail(n, best.correct, majorityRate);
  const why: string[] = [];
  if (marginOverRunnerUp < EVIDENCE_MIN_MARGIN) why.push(`'${best.name}' beats '${second.name}' by only ${(marginOverRunnerUp * 100).toFixed(2)} points (< ${EVIDENCE_MIN_MARGIN * 100})`);
  else if (!(pValueVsRunnerUp < EVIDENCE_ALPHA)) why.push(`'${best.name}' vs '${second.name}': McNemar p = ${pValueVsRunnerUp.toPrecision(3)} (not < ${EVIDENCE_ALPHA})`);
  if (marginOverMajority < EVIDENCE_MIN_MARGIN) why.push(`the best accuracy ${(best.accuracy * 100).toFixed(2)} % is within ${EVIDENCE_MIN_MARGIN * 100} points of always answering the majority class (${(majorityRate * 100).toFixed(2)} %)`);
  else if (!(pValueVsMajority < EVIDENCE_ALPHA)) why.push(`the best accuracy is not significantly above the majority-class rate (binomial p = ${pValueVsMajority.toPrecision(3)})`);
  const adopted = why.length === 0 ? best : null;
  return {
    split: 'val',
    images: n,
    majorityRate,
    candidates: rows.map(({ right: _right, ...r }) => r),
    adopted: adopted?.name ?? null,
    marginOverRunnerUp,
    pValueVsRunnerUp,
    marginOverMajority,
    pValueVsMajority,
    rule: EVIDENCE_RULE,
    refusal: adopted ? null : why.join('; '),
    adoptedContract: adopted?.contract ?? null,
  };
}
