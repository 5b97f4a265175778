/**
 * bench/distill-seeds — the effect of distillation with its spread: the reference student trained on
 * PneumoniaMNIST with the KD loss (T = 4, α = 0.1) and without a teacher (α = 1), 3 seeds each, 10 epochs
 * (the reference recipe of shared/fixtures/PROVENANCE.md). Prints test AUC and accuracy per run and mean ± sd.
 * Usage: npx tsx bench/distill-seeds.ts [--epochs 10] [--seeds 0,1,2] [--alphas 0.1,1] [--out bench/out/distill-seeds]
 *   [--train key=value ...] (any other TrainConfig field, e.g. --train balanced=true --train flip=true)
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runDistillJob } from '@medslim/pipeline';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '10' }, seeds: { type: 'string', default: '0,1,2' }, out: { type: 'string', default: 'bench/out/distill-seeds' }, alphas: { type: 'string', default: '0.1,1' }, train: { type: 'string', multiple: true, default: [] } } });
const extra = Object.fromEntries(values.train!.map((kv) => {
  const [k, v] = kv.split('=');
  if (!k || v === undefined) throw new Error(`--train takes key=value (got '${kv}'), e.g. --train balanced=true`);
  return [k, v === 'true' ? true : v === 'false' ? false : Number.isFinite(Number(v)) ? Number(v) : v];
}));
const seeds = values.seeds!.split(',').map(Number);
const alphas = values.alphas!.split(',').map(Number);
const rows: { alpha: number; seed: number; auc: number; accuracy: number; params: number; seconds: number; ips: number }[] = [];
mkdirSync(values.out!, { recursive: true });
for (const alpha of alphas) {
  for (const seed of seeds) {
    const r = await runDistillJob({
      teacher: 'examples/pneumoniamnist/pneumoniamnist-resnet18.onnx', data: 'examples/pneumoniamnist/pneumoniamnist.npz',
      outDir: join(values.out!, `alpha${alpha}-seed${seed}`), train: { ...extra, epochs: Number(values.epochs), alpha, seed },
      latencyIterations: 20, throughputIterations: 2,
    });
    const s = r.report.stages[1];
    const t = r.report.training as { seconds: number; imagesPerSecond: number };
    rows.push({ alpha, seed, auc: s.test.auc, accuracy: s.test.accuracy, params: s.params, seconds: t.seconds, ips: t.imagesPerSecond });
    console.log(`alpha=${alpha} seed=${seed}: test AUC ${s.test.auc.toFixed(4)} accuracy ${(s.test.accuracy * 100).toFixed(2)} % (${s.params} params, ${t.seconds.toFixed(0)} s, ${t.imagesPerSecond.toFixed(1)} images/s)`);
    writeFileSync(join(values.out!, 'results.json'), JSON.stringify(rows, null, 2));
  }
}
const stat = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
  return `${m.toFixed(4)} ± ${sd.toFixed(4)}`;
};
for (const alpha of alphas) {
  const r = rows.filter((x) => x.alpha === alpha);
  console.log(`${alpha < 1 ? `KD (T=4, α=${alpha})` : 'no teacher (α=1)'}: test AUC ${stat(r.map((x) => x.auc))}, accuracy ${stat(r.map((x) => x.accuracy))} over seeds ${seeds.join(',')}`);
}
