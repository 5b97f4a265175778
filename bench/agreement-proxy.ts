/**
 * bench/agreement-proxy — does a validation-side signal predict a student's agreement with the teacher on the
 * (shifted) test split? For each ONNX model given, the signals below are computed from the VALIDATION images and
 * the teacher only, after the calibration the compress job folds into its students (temperature, then decision
 * offsets matching the teacher's predicted-class counts, both fitted on clean validation — as in
 * bench/search-diagnose). Next to them it prints the calibrated TEST agreement (the target; the test split is
 * only read for that column and the reliability figures) and, at the end, Spearman's rank correlation of each
 * signal with test agreement across the models, with a permutation p-value: over all models, and over those whose
 * calibrated validation gate passes (the ones the search chooses between — the comparison that matters). Each
 * block ends with the ceiling: how reproducible the models' ranking by test agreement is between random halves
 * of the test split (mean Spearman over 200 halvings, and its Spearman–Brown step-up to the full split); a signal
 * cannot track test agreement much beyond the square root of that reliability.
 *
 * Signals (all on validation, student calibrated, teacher as is):
 *  - `val`: agreement on clean validation (what the gate checks today);
 *  - `unsure`: agreement on the `--unsure` fraction of validation images where the teacher's max softmax is lowest;
 *  - `rho`: Spearman correlation of student and teacher margins (logit of the teacher's top class minus the best
 *    other class, per image) over clean validation;
 *  - `kl`: mean KL(teacher ‖ student) of the softmaxes on clean validation;
 *  - per perturbation P of the validation images (the teacher scores the same perturbed view; `--views` seeded draws
 *    of each image), `P` = agreement on the perturbed views: shift (±2 px, zero fill), gain (brightness ×[0.7, 1.3]),
 *    contrast (×[0.7, 1.3] around the image mean), blur (3×3 binomial kernel), noise (Gaussian σ 10 grey levels),
 *    mixup (λ ~ U[0.5, 1] with a random other validation image), combo (shift + gain + contrast + noise);
 *  - `path`: agreement along straight interpolation paths between `--pairs` seeded pairs of validation images the
 *    teacher puts in different classes (λ = 0.1 … 0.9, 9 views a pair: images near the teacher's boundary);
 *    `pathGap`: mean |share of the path the teacher gives the first image's class − the student's share|;
 *  - `stress`: agreement over all perturbed views pooled (not the paths); `stressKl`: their mean KL;
 *  - `stressUnsure`: agreement over the pooled perturbed views where the teacher's max softmax < 0.95 (where the
 *    test split's disagreements happen).
 * Pixels are perturbed in raw 0–255 space (clipped), before each model's own contract, so teacher and student
 * see the same image. Models with identical bytes, or logits within 0.001 of a model already measured, are measured
 * once. Inference only, one ORT thread; the seeded views make the figures reproducible. About 1.5 min for the
 * teacher (4 views, 300 pairs) plus 2–8 s a student on the idle-to-busy 2-core machine.
 *
 * Usage: npx tsx bench/agreement-proxy.ts --models a/student.onnx,b/model.int8.onnx[,…] [--list models.txt]
 *   [--teacher examples/pneumoniamnist/pneumoniamnist-resnet18.onnx --data examples/pneumoniamnist/pneumoniamnist.npz]
 *   [--views 2] [--pairs 300] [--unsure 0.1] [--seed 0] [--tsv out.tsv]
 *   (--list: a file with one model path per line, '#' comments; --tsv writes the per-model table)
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { mulberry32, ndarray, type NdArray } from '@medslim/data';
import { copyAugmented, jitterInPlace, mixInto } from '@medslim/distill';
import { argmax, fitDecisionOffsets, fitTemperature, softmax, spearman } from '@medslim/eval';
import { createSession, readModelInterface, scoreImages, type StaticInterface } from '@medslim/intake';
import { readModel } from '@medslim/onnx';
import { DEFAULT_GATE_BUDGETS } from '@medslim/contracts';
import { clinicalGate, loadJobInputs, splitSummary } from '@medslim/pipeline';

const { values } = parseArgs({
  options: {
    models: { type: 'string' }, list: { type: 'string' },
    teacher: { type: 'string', default: 'examples/pneumoniamnist/pneumoniamnist-resnet18.onnx' },
    data: { type: 'string', default: 'examples/pneumoniamnist/pneumoniamnist.npz' },
    views: { type: 'string', default: '2' }, pairs: { type: 'string', default: '300' }, unsure: { type: 'string', default: '0.1' }, seed: { type: 'string', default: '0' },
    tsv: { type: 'string' },
  },
});
const files = [
  ...(values.models ? values.models.split(',') : []),
  ...(values.list ? readFileSync(values.list, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean) : []),
];
const pathPairs = Number(values.pairs);
const views = Number(values.views), unsureFrac = Number(values.unsure), seed = Number(values.seed);
if (files.length === 0 || !Number.isInteger(views) || views < 1 || !Number.isInteger(pathPairs) || pathPairs < 1 || !(unsureFrac > 0 && unsureFrac <= 1) || !Number.isInteger(seed)) {
  console.error('usage: --models a.onnx,b.onnx and/or --list file (one path a line) are required; --views and --pairs positive integers (e.g. 2, 300), --unsure a fraction in (0, 1] (e.g. 0.1), --seed an integer');
  process.exit(2);
}

const { teacherBytes, ds, iface, k, labelNames } = await loadJobInputs(values.teacher!, values.data!, undefined, ['val', 'test']);
const val = ds.splits.val!, test = ds.splits.test!;
const [h, w, c] = [ds.height, ds.width, ds.channels];
const px = h * w * c;

// ---- perturbed validation views, raw 0–255 float32 [N, H, W(, C)] ----
const raw = Float32Array.from(val.images.data as ArrayLike<number>);
const n = val.count;
const clip = (a: Float32Array) => { for (let i = 0; i < a.length; i++) a[i] = Math.min(255, Math.max(0, a[i])); return a; };
const uniform = (r: () => number, lo: number, hi: number) => lo + (hi - lo) * r();
const gauss = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
type Perturb = (out: Float32Array, i: number, r: () => number) => void; // out holds image i (clean) at i·px; edit in place
const shift: Perturb = (out, i, r) => {
  const src = out.slice(i * px, (i + 1) * px);
  let dy = 0, dx = 0;
  while (dy === 0 && dx === 0) { dy = Math.floor(r() * 5) - 2; dx = Math.floor(r() * 5) - 2; }
  copyAugmented(src, 0, out, i * px, h, w, c, false, dy, dx, [0]);
};
const gain: Perturb = (out, i, r) => jitterInPlace(out, i * px, h, w, c, uniform(r, 0.7, 1.3), 1, [0]);
const contrast: Perturb = (out, i, r) => jitterInPlace(out, i * px, h, w, c, 1, uniform(r, 0.7, 1.3), [0]);
const blur: Perturb = (out, i) => {
  const src = out.slice(i * px, (i + 1) * px), kern = [1, 2, 1];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) {
    let s = 0, z = 0;
    for (let a = -1; a <= 1; a++) for (let b = -1; b <= 1; b++) {
      const yy = y + a, xx = x + b;
      if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue; // renormalised at the border
      const wt = kern[a + 1] * kern[b + 1];
      s += wt * src[(yy * w + xx) * c + ch]; z += wt;
    }
    out[i * px + (y * w + x) * c + ch] = s / z;
  }
};
const noise: Perturb = (out, i, r) => { for (let p = 0; p < px; p++) out[i * px + p] += 10 * gauss(r); };
const mixup: Perturb = (out, i, r) => {
  let j = Math.floor(r() * n);
  if (j === i) j = (j + 1) % n;
  mixInto(out, i * px, raw, j * px, px, uniform(r, 0.5, 1));
};
const combo: Perturb = (out, i, r) => { shift(out, i, r); gain(out, i, r); contrast(out, i, r); noise(out, i, r); };
const PERTURBATIONS: [string, Perturb][] = [['shift', shift], ['gain', gain], ['contrast', contrast], ['blur', blur], ['noise', noise], ['mixup', mixup], ['combo', combo]];
const shape = val.images.shape.length === 4 ? [n * views, h, w, c] : [n * views, h, w];
const perturbed = PERTURBATIONS.map(([name, f], pi): [string, NdArray] => {
  const out = new Float32Array(n * views * px);
  const r = mulberry32(seed * 1000 + pi + 1);
  for (let v = 0; v < views; v++) {
    out.set(raw, v * n * px);
    for (let i = 0; i < n; i++) f(out.subarray(v * n * px), i, r);
  }
  return [name, ndarray('float32', shape, clip(out))];
});

// ---- interpolation paths (pathPairs seeded pairs, PATH_STEPS views each) between a val image the teacher calls class a and one it calls class b ≠ a ----
const score = async (bytes: Uint8Array, read: StaticInterface, images: NdArray) => {
  const s = await createSession(bytes, 'a model', { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try { return (await scoreImages(s, read, images, { batchSize: 64 })).logits; } finally { await s.release(); }
};
const t0 = Date.now();
const tv = await score(teacherBytes, iface, val.images);
const tvPred = argmax(tv, n, k);
const PATH_STEPS = 9; // λ = 0.1 … 0.9
const pairs: [number, number][] = [];
{
  const r = mulberry32(seed * 1000 + 99);
  for (let tries = 0; pairs.length < pathPairs && tries < pathPairs * 100; tries++) {
    const i = Math.floor(r() * n), j = Math.floor(r() * n);
    if (tvPred[i] !== tvPred[j]) pairs.push([i, j]);
  }
}
const pathImages = (() => {
  const out = new Float32Array(pairs.length * PATH_STEPS * px);
  pairs.forEach(([i, j], q) => {
    for (let s = 0; s < PATH_STEPS; s++) {
      const lam = (s + 1) / (PATH_STEPS + 1), o = (q * PATH_STEPS + s) * px;
      for (let p = 0; p < px; p++) out[o + p] = (1 - lam) * raw[i * px + p] + lam * raw[j * px + p];
    }
  });
  return ndarray('float32', val.images.shape.length === 4 ? [pairs.length * PATH_STEPS, h, w, c] : [pairs.length * PATH_STEPS, h, w], out);
})();

// ---- scoring ----
const tt = await score(teacherBytes, iface, test.images);
const tp = new Map<string, Float32Array>();
for (const [name, imgs] of perturbed) tp.set(name, await score(teacherBytes, iface, imgs));
const tPath = argmax(await score(teacherBytes, iface, pathImages), pairs.length * PATH_STEPS, k);
console.log(`teacher scored on val, test and ${PERTURBATIONS.length} × ${views} perturbed views of ${n} val images in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const maxProb = (l: Float32Array, m: number) => { const p = softmax(l, m, k); return Float64Array.from({ length: m }, (_, i) => Math.max(...p.subarray(i * k, i * k + k))); };
/** Margin of each row toward class ref[i]: l[ref] − max_{j≠ref} l[j]. */
const margins = (l: Float32Array, ref: Int32Array) => Float64Array.from(ref, (cl, i) => { let o = -Infinity; for (let j = 0; j < k; j++) if (j !== cl) o = Math.max(o, l[i * k + j]); return l[i * k + cl] - o; });
const agreeOn = (ta: Int32Array, sa: Int32Array, keep?: (i: number) => boolean) => { let s = 0, m = 0; for (let i = 0; i < ta.length; i++) if (!keep || keep(i)) { m++; if (ta[i] === sa[i]) s++; } return { agree: m ? s / m : NaN, count: m }; };
const meanKl = (t: Float32Array, s: Float32Array, m: number) => {
  const pt = softmax(t, m, k), ps = softmax(s, m, k); let sum = 0;
  for (let i = 0; i < m * k; i++) if (pt[i] > 0) sum += pt[i] * (Math.log(pt[i]) - Math.log(Math.max(ps[i], 1e-12)));
  return sum / m;
};

const ttPred = argmax(tt, test.count, k);
const tvConf = maxProb(tv, n);
const unsureCut = [...tvConf].sort((a, b) => a - b)[Math.max(0, Math.round(unsureFrac * n) - 1)];
const tpPred = new Map([...tp].map(([name, l]) => [name, argmax(l, n * views, k)] as const));
const tpConf = new Map([...tp].map(([name, l]) => [name, maxProb(l, n * views)] as const));
const ttConf = maxProb(tt, test.count);
console.log(`teacher: val images with max softmax ≤ ${unsureCut.toFixed(4)} (the least sure ${(unsureFrac * 100).toFixed(0)} %): ${tvConf.filter((x) => x <= unsureCut).length}; `
  + `perturbed views with max softmax < 0.95: ${PERTURBATIONS.map(([p]) => `${p} ${tpConf.get(p)!.filter((x) => x < 0.95).length}`).join(', ')} of ${n * views} each; `
  + `val < 0.95: ${tvConf.filter((x) => x < 0.95).length} of ${n}, test < 0.95: ${ttConf.filter((x) => x < 0.95).length} of ${test.count}; `
  + `teacher agreement with itself under perturbation is 100 % by definition; its val→perturbed prediction flips: ${PERTURBATIONS.map(([p]) => `${p} ${(100 * (1 - agreeOn(tpPred.get(p)!, Int32Array.from({ length: n * views }, (_, i) => tvPred[i % n])).agree)).toFixed(1)} %`).join(', ')}`);

interface Row { file: string; halves: [number, number]; testSame: Uint8Array; bytes: number; valGate: boolean; testGate: boolean; testAgree: number; testUnsureAgree: number; sig: Record<string, number> }
const rows: Row[] = [];
const seen = new Map<string, string>();
const kept: { file: string; sv: Float32Array; st: Float32Array }[] = []; // models measured, for the same-function check
const pct = (x: number) => (Number.isFinite(x) ? (x * 100).toFixed(2) : 'n/a');
const fmt = (s: string, x: number) => (s === 'rho' || s === 'kl' || s === 'stressKl' || s === 'pathGap' ? x.toFixed(4) : pct(x));
for (const file of files) {
  const bytes = new Uint8Array(readFileSync(file));
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (seen.has(sha)) { console.log(`${file}: same bytes as ${seen.get(sha)}, skipped`); continue; }
  seen.set(sha, file);
  const t1 = Date.now();
  let read: StaticInterface;
  try { read = readModelInterface(readModel(bytes, file), { what: file }); } catch (e) { console.log(`${file}: skipped (${(e as Error).message.slice(0, 120)})`); continue; }
  if ((read.input.height !== null && read.input.height !== h) || (read.input.width !== null && read.input.width !== w)) { console.log(`${file}: skipped (input ${read.input.height}×${read.input.width}, data ${h}×${w})`); continue; }
  const sv = await score(bytes, read, val.images), st = await score(bytes, read, test.images);
  const twin = kept.find((q) => q.sv.every((x, i) => Math.abs(x - sv[i]) < 1e-3) && q.st.every((x, i) => Math.abs(x - st[i]) < 1e-3));
  if (twin) { console.log(`${file}: same logits (within 0.001) as ${twin.file}, skipped`); continue; }
  kept.push({ file, sv, st });
  const T = fitTemperature(sv, val.labels, k);
  const off = fitDecisionOffsets(Float32Array.from(sv, (v) => v / T), tvPred, k).offsets;
  const cal = (l: Float32Array) => Float32Array.from(l, (v, i) => v / T + off[i % k]);
  const cv = cal(sv), ct = cal(st);
  const valGate = clinicalGate(tv, cv, val.labels, k, labelNames, DEFAULT_GATE_BUDGETS, { iterations: 1 }).passed;
  const testGate = clinicalGate(tt, ct, test.labels, k, labelNames, DEFAULT_GATE_BUDGETS, { iterations: 1 }).passed;
  const testAgree = splitSummary(ct, test.labels, k, ttPred, labelNames).agreement ?? NaN;
  const ctPred = argmax(ct, test.count, k);
  const halves: [number, number] = [agreeOn(ttPred, ctPred, (i) => i % 2 === 0).agree, agreeOn(ttPred, ctPred, (i) => i % 2 === 1).agree];
  const testUnsureAgree = agreeOn(ttPred, ctPred, (i) => ttConf[i] < 0.95).agree;
  const cvPred = argmax(cv, n, k);
  const sig: Record<string, number> = {
    val: agreeOn(tvPred, cvPred).agree,
    unsure: agreeOn(tvPred, cvPred, (i) => tvConf[i] <= unsureCut).agree,
    rho: spearman(margins(cv, tvPred), margins(tv, tvPred)),
    kl: meanKl(tv, cv, n),
  };
  let poolS = 0, poolM = 0, poolKl = 0, unsS = 0, unsM = 0;
  for (const [name, imgs] of perturbed) {
    const sp = cal(await score(bytes, read, imgs));
    const a = tpPred.get(name)!, b = argmax(sp, n * views, k), conf = tpConf.get(name)!;
    const r = agreeOn(a, b);
    sig[name] = r.agree;
    poolS += r.agree * r.count; poolM += r.count; poolKl += meanKl(tp.get(name)!, sp, n * views) * r.count;
    const u = agreeOn(a, b, (i) => conf[i] < 0.95);
    unsS += u.agree * u.count || 0; unsM += u.count;
  }
  const sPath = argmax(cal(await score(bytes, read, pathImages)), pairs.length * PATH_STEPS, k);
  let pathSame = 0, gap = 0;
  pairs.forEach(([i], q) => {
    let tShare = 0, sShare = 0;
    for (let st = 0; st < PATH_STEPS; st++) {
      const v = q * PATH_STEPS + st;
      if (tPath[v] === sPath[v]) pathSame++;
      if (tPath[v] === tvPred[i]) tShare++;
      if (sPath[v] === tvPred[i]) sShare++;
    }
    gap += Math.abs(tShare - sShare) / PATH_STEPS;
  });
  sig.path = pathSame / (pairs.length * PATH_STEPS); sig.pathGap = gap / pairs.length;
  sig.stress = poolS / poolM; sig.stressKl = poolKl / poolM; sig.stressUnsure = unsS / unsM;
  rows.push({ file, halves, testSame: Uint8Array.from(ctPred, (p, i) => (p === ttPred[i] ? 1 : 0)), bytes: bytes.length, valGate, testGate, testAgree, testUnsureAgree, sig });
  console.log(`${file} (${bytes.length} B, ${((Date.now() - t1) / 1000).toFixed(1)} s): gate val ${valGate ? 'PASS' : 'fail'}, test ${testGate ? 'PASS' : 'fail'}; TEST agreement ${pct(testAgree)} % (teacher-unsure test images ${pct(testUnsureAgree)} %); `
    + Object.entries(sig).map(([s, x]) => `${s} ${fmt(s, x)}`).join(', '));
}

// ---- table and correlations ----
const names = Object.keys(rows[0]?.sig ?? {});
const header = ['model', 'bytes', 'gateVal', 'gateTest', 'testAgree', 'testEven', 'testOdd', 'testUnsure', ...names];
const lines = rows.map((r) => [r.file, String(r.bytes), r.valGate ? 'PASS' : 'fail', r.testGate ? 'PASS' : 'fail', pct(r.testAgree), pct(r.halves[0]), pct(r.halves[1]), pct(r.testUnsureAgree), ...names.map((s) => fmt(s, r.sig[s]))]);
console.log(`\n${header.join('\t')}\n${lines.map((l) => l.join('\t')).join('\n')}`);
if (values.tsv) writeFileSync(values.tsv, `${header.join('\t')}\n${lines.map((l) => l.join('\t')).join('\n')}\n`);
/** Two-sided permutation p-value of a Spearman correlation (2,000 seeded shuffles of y). */
const permP = (x: number[], y: number[], rho: number) => {
  const r = mulberry32(12345), yy = [...y];
  let hit = 0;
  for (let t = 0; t < 2000; t++) {
    for (let i = yy.length - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [yy[i], yy[j]] = [yy[j], yy[i]]; }
    if (Math.abs(spearman(x, yy)) >= Math.abs(rho) - 1e-12) hit++;
  }
  return (hit + 1) / 2001;
};
/**
 * How reproducible the ranking of these models by test agreement is: the mean Spearman correlation, over 200 seeded
 * random halvings of the test images, between the models' agreement on one half and on the other, and its
 * Spearman–Brown step-up to the full split, 2r / (1 + r). A signal cannot correlate with test agreement beyond about
 * the square root of that reliability (attenuation); near 0, the ranking is noise of which uncertain images the
 * test split holds.
 */
const splitHalf = (subset: Row[]) => {
  const r = mulberry32(777), m = test.count, idx = Array.from({ length: m }, (_, i) => i);
  let sum = 0;
  for (let t = 0; t < 200; t++) {
    for (let i = m - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [idx[i], idx[j]] = [idx[j], idx[i]]; }
    const inA = new Uint8Array(m); for (let i = 0; i < m / 2; i++) inA[idx[i]] = 1;
    const part = (row: Row, a: number) => { let s2 = 0, c2 = 0; for (let i = 0; i < m; i++) if (inA[i] === a) { c2++; s2 += row.testSame[i]; } return s2 / c2; };
    sum += spearman(subset.map((row) => part(row, 1)), subset.map((row) => part(row, 0)));
  }
  const half = sum / 200;
  return { half, full: (2 * half) / (1 + half) };
};
const corr = (subset: Row[], what: string) => {
  if (subset.length < 3) { console.log(`Spearman vs TEST agreement, ${what}: only ${subset.length} models`); return; }
  const y = subset.map((r) => r.testAgree);
  console.log(`Spearman vs TEST agreement, ${what} (${subset.length} models; permutation p in brackets):`);
  for (const s of names) { const x = subset.map((r) => r.sig[s]), rho = spearman(x, y); console.log(`  ${s.padEnd(13)} ${rho.toFixed(3).padStart(6)}  [p ${permP(x, y, rho).toFixed(3)}]`); }
  const rel = splitHalf(subset);
  console.log(`  ceiling: test agreement on even vs odd test images ${spearman(subset.map((r) => r.halves[0]), subset.map((r) => r.halves[1])).toFixed(3)}; random halves (mean of 200) ${rel.half.toFixed(3)}, reliability of the full split ${rel.full.toFixed(3)}; `
    + `test agreement on teacher-unsure test images vs all ${spearman(subset.map((r) => r.testUnsureAgree), y).toFixed(3)}; bytes ${spearman(subset.map((r) => r.bytes), y).toFixed(3)}`);
};
corr(rows, 'all models');
corr(rows.filter((r) => r.valGate), 'models whose calibrated validation gate passes');
console.log(`(KL signals: lower is better, so a good predictor has a negative correlation.) load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
