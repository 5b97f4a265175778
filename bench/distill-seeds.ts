/**
 * bench/distill-seeds — the effect of distillation with its spread: the reference student trained with the KD
 * loss (T = 4, α = 0.1) and without a teacher (α = 1), 3 seeds each, 10 epochs (the reference recipe of
 * shared/fixtures/PROVENANCE.md), on PneumoniaMNIST unless --teacher/--data name another teacher and data set.
 * Prints each epoch's loss, validation AUC and seconds as it ends, then, per run and as mean ± sd: test AUC, accuracy, each class's sensitivity and top-1 agreement with the
 * teacher (the student as trained, uncalibrated: `bench/search-diagnose --models <out>/…/student.onnx,…` gives the
 * gate figures calibrated on validation as the compress job folds them in).
 * Usage: npx tsx bench/distill-seeds.ts [--epochs 10|preset] [--seeds 0,1,2] [--alphas 0.1,1] [--out bench/out/distill-seeds]
 *   [--teacher examples/pneumoniamnist/pneumoniamnist-resnet18.onnx --data examples/pneumoniamnist/pneumoniamnist.npz]
 *   [--train key=value ...] (any other TrainConfig field, e.g. --train balanced=true --train mixup=1 --train maxShift=2)
 *   [--online-teacher] (function matching: the teacher scores each augmented view online; implied by mixup > 0)
 *   [--resume] (each run resumes from its <out>/alpha…-seed…/checkpoint.bin when present, e.g. after a stopped run)
 *   --epochs preset: the distill job's default, the reference recipe's 10 epochs or its minimum of optimizer steps
 *   (BreastMNIST's 546 training images: 78 epochs).
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runDistillJob } from '@medslim/pipeline';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '10' }, seeds: { type: 'string', default: '0,1,2' }, out: { type: 'string', default: 'bench/out/distill-seeds' }, alphas: { type: 'string', default: '0.1,1' }, train: { type: 'string', multiple: true, default: [] },
    'online-teacher': { type: 'boolean', default: false }, resume: { type: 'boolean', default: false },
    teacher: { type: 'string', default: 'examples/pneumoniamnist/pneumoniamnist-resnet18.onnx' }, data: { type: 'string', default: 'examples/pneumoniamnist/pneumoniamnist.npz' },
  },
});
const extra = Object.fromEntries(values.train!.map((kv) => {
  const [k, v] = kv.split('=');
  if (!k || v === undefined) throw new Error(`--train takes key=value (got '${kv}'), e.g. --train balanced=true`);
  return [k, v === 'true' ? true : v === 'false' ? false : Number.isFinite(Number(v)) ? Number(v) : v];
}));
const epochs = values.epochs === 'preset' ? undefined : Number(values.epochs);
const seeds = values.seeds!.split(',').map(Number);
const alphas = values.alphas!.split(',').map(Number);
const rows: { alpha: number; seed: number; epochs: number; auc: number; accuracy: number; agreement: number; sensitivity: Record<string, number>; params: number; seconds: number; cpuSeconds: number; ips: number; load: number[] }[] = [];
mkdirSync(values.out!, { recursive: true });
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
for (const alpha of alphas) {
  for (const seed of seeds) {
    const load = loadavg();
    const cpu0 = process.cpuUsage();
    const r = await runDistillJob({
      teacher: values.teacher!, data: values.data!,
      outDir: join(values.out!, `alpha${alpha}-seed${seed}`), train: { ...extra, ...(epochs !== undefined ? { epochs } : {}), alpha, seed },
      onlineTeacher: values['online-teacher'], resume: values.resume, latencyIterations: 20, throughputIterations: 2,
      log: (msg) => console.log(`  alpha=${alpha} seed=${seed} ${msg}`), // per epoch: loss, val AUC, seconds
    });
    const cpu = process.cpuUsage(cpu0);
    const s = r.report.stages[1];
    const t = r.report.training as { seconds: number; imagesPerSecond: number; epochs: number };
    const sensitivity = Object.fromEntries(s.test.perClass.map((c) => [c.label, c.sensitivity]));
    const row = { alpha, seed, epochs: t.epochs, auc: s.test.auc, accuracy: s.test.accuracy, agreement: s.test.agreement ?? NaN, sensitivity, params: s.params, seconds: t.seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, ips: t.imagesPerSecond, load };
    rows.push(row);
    console.log(`alpha=${alpha} seed=${seed}: test AUC ${s.test.auc.toFixed(4)} accuracy ${pct(s.test.accuracy)} agreement ${pct(row.agreement)} sensitivity ${Object.entries(sensitivity).map(([l, v]) => `${l} ${pct(v)}`).join(', ')} (${s.params} params, ${t.epochs} epochs, ${t.seconds.toFixed(0)} s, process CPU ${row.cpuSeconds.toFixed(0)} s, ${t.imagesPerSecond.toFixed(1)} images/s, load ${load.map((x) => x.toFixed(1)).join(' ')} at start)`);
    writeFileSync(join(values.out!, 'results.json'), JSON.stringify(rows, null, 2));
  }
}
const stat = (xs: number[], f = (x: number) => x.toFixed(4)) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
  return `${f(m)} ± ${f(sd)}`;
};
for (const alpha of alphas) {
  const r = rows.filter((x) => x.alpha === alpha);
  const labels = Object.keys(r[0].sensitivity);
  console.log(`${alpha < 1 ? `KD (T=4, α=${alpha})` : 'no teacher (α=1)'}: test AUC ${stat(r.map((x) => x.auc))}, accuracy ${stat(r.map((x) => x.accuracy), pct)}, agreement ${stat(r.map((x) => x.agreement), pct)}, sensitivity ${labels.map((l) => `${l} ${stat(r.map((x) => x.sensitivity[l]), pct)}`).join(', ')} over seeds ${seeds.join(',')}; load at end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}
