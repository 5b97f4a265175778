/**
 * bench/agreement-ceiling — how far a student's ranking lets it agree with the teacher (binary tasks): per ONNX
 * model, the Spearman rank correlation of its logit margin (z₁ − z₀) with the teacher's on validation and test (and on
 * the test images the teacher is unsure of, max softmax < 0.95), the teacher–student KL and top-1 agreement on
 * validation as the model is, test agreement at the threshold that matches the teacher's count of class-1 calls on
 * validation (what decision calibration does), and at the best threshold chosen on test itself — an oracle the job
 * never has: no recalibration of the same student can agree more than that. The test split only reports.
 * Usage: npx tsx bench/agreement-ceiling.ts --models a/student.onnx,b/student.onnx
 *   [--teacher examples/pneumoniamnist/pneumoniamnist-resnet18.onnx --data examples/pneumoniamnist/pneumoniamnist.npz]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { spearman } from '@medslim/eval';
import { createSession, readModelInterface, scoreImages, type StaticInterface } from '@medslim/intake';
import { readModel } from '@medslim/onnx';
import { loadJobInputs } from '@medslim/pipeline';

const { values } = parseArgs({ options: { models: { type: 'string' }, teacher: { type: 'string', default: 'examples/pneumoniamnist/pneumoniamnist-resnet18.onnx' }, data: { type: 'string', default: 'examples/pneumoniamnist/pneumoniamnist.npz' } } });
if (!values.models) {
  console.error('--models is required: a comma-separated list of ONNX files (e.g. a distill run\'s student.onnx)');
  process.exit(2);
}
const { teacherBytes, ds, iface, k } = await loadJobInputs(values.teacher!, values.data!, undefined, ['val', 'test']);
if (k !== 2) {
  console.error(`agreement-ceiling compares logit margins of binary classifiers; this teacher has ${k} classes`);
  process.exit(2);
}
const val = ds.splits.val!, test = ds.splits.test!;
const margins = async (bytes: Uint8Array, read: StaticInterface, images: typeof val.images) => {
  const s = await createSession(bytes, 'a model', { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const l = (await scoreImages(s, read, images, { batchSize: 64 })).logits;
    return Float64Array.from({ length: l.length / 2 }, (_, i) => l[2 * i + 1] - l[2 * i]);
  } finally { await s.release(); }
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const tv = await margins(teacherBytes, iface, val.images), tt = await margins(teacherBytes, iface, test.images);
const unsure = Array.from(tt.keys()).filter((i) => Math.max(sigmoid(tt[i]), 1 - sigmoid(tt[i])) < 0.95);
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
for (const file of values.models.split(',')) {
  const bytes = new Uint8Array(readFileSync(file));
  const read = readModelInterface(readModel(bytes, file), { what: file });
  const sv = await margins(bytes, read, val.images), st = await margins(bytes, read, test.images);
  let kl = 0;
  for (let i = 0; i < tv.length; i++) {
    const p = sigmoid(tv[i]), q = Math.min(Math.max(sigmoid(sv[i]), 1e-12), 1 - 1e-12);
    kl += (p > 0 ? p * Math.log(p / q) : 0) + (p < 1 ? (1 - p) * Math.log((1 - p) / (1 - q)) : 0);
  }
  const agreeVal = Array.from(sv).filter((x, i) => (x > 0) === (tv[i] > 0)).length / sv.length;
  // Threshold between the n-th and (n+1)-th largest validation margins, n = the teacher's class-1 calls there.
  const nPos = Array.from(tv).filter((x) => x > 0).length;
  const sorted = Array.from(sv).sort((a, b) => b - a);
  const thr = nPos === 0 ? sorted[0] + 1 : nPos === sorted.length ? sorted.at(-1)! - 1 : (sorted[nPos - 1] + sorted[nPos]) / 2;
  const agreeAt = (t: number) => Array.from(st).filter((x, i) => (x > t) === (tt[i] > 0)).length;
  // Oracle: every cut between consecutive test margins (and below all of them).
  const cuts = [-Infinity, ...Array.from(st).sort((a, b) => a - b)];
  let best = -1, bestThr = 0;
  for (const c of cuts) { const a = agreeAt(c); if (a > best) { best = a; bestThr = c; } }
  console.log(`${file}: Spearman of margins val ${spearman(sv, tv).toFixed(4)}, test ${spearman(st, tt).toFixed(4)} (teacher unsure, ${unsure.length} images: ${spearman(unsure.map((i) => st[i]), unsure.map((i) => tt[i])).toFixed(3)}); val KL(teacher ‖ student) ${(kl / tv.length).toFixed(4)}, val agreement ${pct(agreeVal)}; test agreement at the val count-matched threshold ${thr.toFixed(2)}: ${pct(agreeAt(thr) / st.length)}, at the test oracle threshold ${Number.isFinite(bestThr) ? bestThr.toFixed(2) : '−∞'}: ${pct(best / st.length)} (${st.length - best} disagreements)`);
}
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
