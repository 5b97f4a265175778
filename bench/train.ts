/**
 * bench/train — training speed of the reference student on the selected backend (wasm here) and the wall time of
 * a full distillation run on PneumoniaMNIST (10 epochs, the reference recipe).
 * Usage: npm run bench:train [-- --steps 30 --batch 64 --channels 1 --steps-only]
 * Last line: `train: backend=… images_per_second=… full_run_seconds=…`.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { loadDataset, toModelInput } from '@medslim/data';
import { disposeStudent, initStudent, parameterCount, referenceStudent, selectTrainingBackend, trainStudent } from '@medslim/distill';
import { runDistillJob } from '@medslim/pipeline';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '30' }, batch: { type: 'string', default: '64' }, channels: { type: 'string', default: '1' }, 'steps-only': { type: 'boolean' } } });
const steps = Number(values.steps), batch = Number(values.batch), channels = Number(values.channels);
const backend = await selectTrainingBackend();
const ds = loadDataset('examples/pneumoniamnist/pneumoniamnist.npz');
const contract = { layout: 'NHWC' as const, scale: 1 / 255, mean: [0.5], std: [0.5] };
const n = (steps + 3) * batch;
const x = toModelInput(ds.splits.train!.images, contract, { channels, count: Math.min(n, ds.splits.train!.count) }).data;
const config = referenceStudent(channels, 2);
const teacher = { logits: new Float32Array((x.length / (28 * 28 * channels)) * 2) };
const count = x.length / (28 * 28 * channels);
const y = ds.splits.train!.labels.subarray(0, count);
const probe = initStudent(config, 0);
const params = parameterCount(probe);
disposeStudent(probe);
// One epoch over (steps + 3) batches; the first 3 batches warm up (kernel compilation, heap growth).
let times: number[] = [];
const r = await trainStudent(config, { train: { x, y, n: count }, val: { x: x.subarray(0, 64 * 28 * 28 * channels), y: y.subarray(0, 64), n: 64 }, teacher, height: 28, width: 28, channels, fill: Array(channels).fill(-1) },
  { epochs: 1, batchSize: batch }, { onProgress: (p) => times.push(performance.now()) });
disposeStudent(r.params);
times = times.slice(3);
const ips = ((times.length - 1) * batch) / ((times[times.length - 1] - times[0]) / 1000);
console.log(`reference student: ${params} parameters, ${channels} channel(s), 28×28, batch ${batch}; backend ${backend.name} (${backend.threads} thread)`);
console.log(`training: ${ips.toFixed(1)} images/s over ${times.length - 1} steps after 3 warm-up steps (target ≥ 60); tensors alive ${tf.memory().numTensors}`);
let full = NaN;
if (!values['steps-only']) {
  const job = await runDistillJob({ teacher: 'examples/pneumoniamnist/pneumoniamnist-resnet18.onnx', data: 'examples/pneumoniamnist/pneumoniamnist.npz', outDir: 'bench/out/train-full', train: { epochs: 10 }, latencyIterations: 20, throughputIterations: 2 });
  const t = job.report.training as { wallSeconds: number; seconds: number; imagesPerSecond: number };
  full = t.wallSeconds;
  const s = job.report.stages[1];
  console.log(`full distillation run (10 epochs of ${ds.splits.train!.count} images): ${(full / 60).toFixed(1)} min (target ≤ 15), ${t.imagesPerSecond.toFixed(1)} images/s; student test AUC ${s.test.auc.toFixed(4)}, accuracy ${(s.test.accuracy * 100).toFixed(2)} %`);
}
console.log(`train: backend=${backend.name} images_per_second=${ips.toFixed(1)} full_run_seconds=${Number.isNaN(full) ? 'skipped' : full.toFixed(0)}`);
