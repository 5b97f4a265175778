/**
 * bench/search-diagnose — why a compressed model fails the clinical gate: for each ONNX model given, its confusion
 * matrices and its disagreements with the teacher on validation and test (test disagreements binned by the
 * teacher's own confidence, max softmax), and the gate's figures on both splits as the model is and after
 * calibration fitted on validation (temperature scaling, then decision offsets matching the teacher's
 * predicted-class counts there — what the compress job folds into its students). The test split only reports.
 * With several models (e.g. one recipe's seeds) it ends with the calibrated test figures as mean ± sd over them.
 * Usage: npx tsx bench/search-diagnose.ts --models out/student.onnx,out/model.int8.onnx
 *   [--teacher examples/pneumoniamnist/pneumoniamnist-resnet18.onnx --data examples/pneumoniamnist/pneumoniamnist.npz]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { argmax, confusionMatrix, fitDecisionOffsets, fitTemperature, softmax } from '@medslim/eval';
import { createSession, readModelInterface, scoreImages, type StaticInterface } from '@medslim/intake';
import { readModel } from '@medslim/onnx';
import { DEFAULT_GATE_BUDGETS } from '@medslim/contracts';
import { clinicalGate, loadJobInputs, splitSummary } from '@medslim/pipeline';

const { values } = parseArgs({ options: { models: { type: 'string' }, teacher: { type: 'string', default: 'examples/pneumoniamnist/pneumoniamnist-resnet18.onnx' }, data: { type: 'string', default: 'examples/pneumoniamnist/pneumoniamnist.npz' } } });
if (!values.models) {
  console.error('--models is required: a comma-separated list of ONNX files (e.g. a compress job folder\'s student.onnx,model.int8.onnx)');
  process.exit(2);
}
const { teacherBytes, ds, iface, k, labelNames } = await loadJobInputs(values.teacher!, values.data!, undefined, ['val', 'test']);
const val = ds.splits.val!, test = ds.splits.test!;
const score = async (bytes: Uint8Array, read: StaticInterface, images: typeof val.images) => {
  const s = await createSession(bytes, 'a model', { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try { return (await scoreImages(s, read, images, { batchSize: 64 })).logits; } finally { await s.release(); }
};
const tv = await score(teacherBytes, iface, val.images), tt = await score(teacherBytes, iface, test.images);
const counts = (pred: Int32Array) => { const c = new Array<number>(k).fill(0); for (const p of pred) c[p]++; return c; };
const gateLine = (what: string, t: Float32Array, s: Float32Array, y: Int32Array) => {
  const g = clinicalGate(t, s, y, k, labelNames, DEFAULT_GATE_BUDGETS, { iterations: 1 });
  const f = (c: (typeof g.checks)[number]) => `${c.name} ${c.name === 'auc_drop' || c.name === 'ece_increase' ? c.value.toFixed(4) : (c.value * 100).toFixed(1) + ' %'}${c.passed ? '' : ' ✗'}`;
  return `  ${what.padEnd(26)} ${g.passed ? 'PASS' : 'fail'}  ${g.checks.map(f).join(', ')}; predicted counts ${counts(argmax(s, y.length, k)).join('/')} (teacher ${counts(argmax(t, y.length, k)).join('/')})`;
};
const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)} %`);
const calibratedTest: ReturnType<typeof splitSummary>[] = [];
console.log(`teacher: confusion val ${JSON.stringify(confusionMatrix(argmax(tv, val.count, k), val.labels, k))}, test ${JSON.stringify(confusionMatrix(argmax(tt, test.count, k), test.labels, k))} (rows true ${labelNames.join('/')})`);
for (const file of values.models.split(',')) {
  const bytes = new Uint8Array(readFileSync(file));
  const read = readModelInterface(readModel(bytes, file), { what: file });
  const sv = await score(bytes, read, val.images), st = await score(bytes, read, test.images);
  console.log(`${file}: confusion val ${JSON.stringify(confusionMatrix(argmax(sv, val.count, k), val.labels, k))}, test ${JSON.stringify(confusionMatrix(argmax(st, test.count, k), test.labels, k))}`);
  const pt = softmax(tt, test.count, k), a = argmax(tt, test.count, k), b = argmax(st, test.count, k);
  const bins = [0.55, 0.8, 0.95, 1.01];
  const byBin = bins.map(() => [0, 0]);
  for (let i = 0; i < test.count; i++) {
    const conf = Math.max(...pt.subarray(i * k, i * k + k));
    const bin = bins.findIndex((x) => conf < x);
    byBin[bin][0]++;
    if (a[i] !== b[i]) byBin[bin][1]++;
  }
  console.log(`  test disagreements by teacher confidence: ${bins.map((x, j) => `< ${x > 1 ? '1' : x}: ${byBin[j][1]} of ${byBin[j][0]}`).join(', ')}`);
  console.log(gateLine('as is, val', tv, sv, val.labels));
  console.log(gateLine('as is, test', tt, st, test.labels));
  const T = fitTemperature(sv, val.labels, k);
  const off = fitDecisionOffsets(Float32Array.from(sv, (v) => v / T), argmax(tv, val.count, k), k).offsets;
  const cal = (l: Float32Array) => Float32Array.from(l, (v, i) => v / T + off[i % k]);
  console.log(`  calibration fitted on val: T ${T.toFixed(3)}, offsets [${off.map((x) => x.toFixed(3)).join(', ')}]`);
  console.log(gateLine('calibrated, val', tv, cal(sv), val.labels));
  console.log(gateLine('calibrated, test', tt, cal(st), test.labels));
  const m = splitSummary(cal(st), test.labels, k, a, labelNames);
  calibratedTest.push(m);
  console.log(`  calibrated, test: AUC ${m.auc?.toFixed(4)}, accuracy ${pct(m.accuracy)}, agreement ${pct(m.agreement)}, ECE ${m.ece?.toFixed(4)}, sensitivity ${m.perClass.map((c) => `${c.label} ${pct(c.sensitivity)}`).join(', ')}`);
}
if (calibratedTest.length > 1) {
  const stat = (ys: (number | null)[], f: (x: number) => string) => {
    const xs = ys.map((y) => y ?? NaN);
    const mean = xs.reduce((p, q) => p + q, 0) / xs.length;
    return `${f(mean)} ± ${f(Math.sqrt(xs.reduce((p, q) => p + (q - mean) ** 2, 0) / (xs.length - 1)))}`;
  };
  const f4 = (x: number) => x.toFixed(4);
  const c = calibratedTest;
  console.log(`calibrated, test, mean ± sd over ${c.length} models: AUC ${stat(c.map((m) => m.auc), f4)}, accuracy ${stat(c.map((m) => m.accuracy), pct)}, agreement ${stat(c.map((m) => m.agreement), pct)}, ECE ${stat(c.map((m) => m.ece), f4)}, sensitivity ${labelNames.map((l, j) => `${l} ${stat(c.map((m) => m.perClass[j].sensitivity), pct)}`).join(', ')}`);
}
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
