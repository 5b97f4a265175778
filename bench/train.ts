/**
 * bench/train — training speed of the reference student on the selected backend (wasm here), all measured in one run:
 * images/s at 1 thread and at N threads (data-parallel, packages/distill/src/parallel) and their ratio, images/s
 * with the online teacher (onnxruntime in its own thread), images/s at 28, 64, 128 and 224 px (micro-batches with
 * gradient accumulation at the usual batch 64), and the wall time of a full 10-epoch PneumoniaMNIST distillation.
 * Each figure is printed with the 1-minute load average beside it (other processes share the cores).
 *
 * Usage: npm run bench:train [-- --steps 20 --warm 30 --batch 64 --threads N --sizes 28,64,128,224 --size-steps 1
 *          --steps-only --compare-torch]
 *   --warm           untimed steps before the timed ones at 28 px (default 30; the size runs take 2). V8 compiles a
 *                    fresh thread's hot JavaScript on background threads during its first steps: in a fresh 2-thread
 *                    run the threads other than the two computing ones used 40, 40, 34, 24, 28, 12, 10 ms of CPU per
 *                    step over steps 6–40 in windows of 5 (`npx tsx bench/train-timeline.ts --steps 40 --window 5`,
 *                    load 9). With 2 warm-up steps that work competed with the N-thread run for the cores but ran
 *                    on the idle core in the 1-thread run, so the ratio measured the new worker's warm-up as much as
 *                    the steady state every later step of a training run sees.
 *   --steps-only     skip the full 10-epoch run
 *   --compare-torch  the same student and recipe in PyTorch (bench/train_torch.py, /usr/bin/python3 with torch),
 *                    at 1 and N threads; skipped with the reason when torch is absent
 * Last line: `train: backend=wasm threads=N images_per_second=… images_per_second_1thread=… scaling=… full_run_seconds=…`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataset, toModelInput } from '@medslim/data';
import { resolveModelInterface, studentContract } from '@medslim/intake';
import {
  createOnlineTeacher, defaultTrainingThreads, disposeStudent, initStudent, parameterCount, referenceStudent, selectTrainingBackend, trainStudent,
  type TrainData,
} from '@medslim/distill';
import { runDistillJob } from '@medslim/pipeline';
import type { StepTrace } from '../packages/distill/src/parallel/pool.ts';
import { threadCpuMs, timelineSummary } from './train-timeline.ts';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '20' }, warm: { type: 'string', default: '30' }, batch: { type: 'string', default: '64' }, threads: { type: 'string' },
    sizes: { type: 'string', default: '28,64,128,224' }, 'size-steps': { type: 'string', default: '1' },
    'steps-only': { type: 'boolean' }, 'compare-torch': { type: 'boolean' },
  },
});
const steps = Number(values.steps), batch = Number(values.batch), sizeSteps = Number(values['size-steps']);
const threads = values.threads ? Number(values.threads) : defaultTrainingThreads();
const load = () => `load ${loadavg()[0].toFixed(1)}`;
const backend = await selectTrainingBackend();
const teacherPath = 'examples/pneumoniamnist/pneumoniamnist-resnet18.onnx';
const ds = loadDataset('examples/pneumoniamnist/pneumoniamnist.npz');
const contract = { layout: 'NHWC' as const, scale: 1 / 255, mean: [0.5], std: [0.5] };
const warm = Number(values.warm);
if (!Number.isInteger(warm) || warm < 1) throw new Error(`--warm must be an integer ≥ 1, got ${values.warm}`);
const count = Math.min((steps + warm) * batch, ds.splits.train!.count);
const x = toModelInput(ds.splits.train!.images, contract, { channels: 1, count }).data;
const y = ds.splits.train!.labels.subarray(0, count);
const config = referenceStudent(1, 2);
const probe = initStudent(config, 0);
const params = parameterCount(probe);
disposeStudent(probe);

/**
 * images/s of one epoch over `data`, timed from the end of warm-up step `warmSteps` to the last step, and two
 * projections from CPU time over the same steps (what the same work would run at on otherwise idle cores — not
 * measurements):
 *  - `idle` = threads / (process CPU-seconds per image): every thread busy all the time (an upper bound);
 *  - `busiest` = images / CPU-seconds of the busiest thread (from /proc/self/task/<tid>/stat, 10 ms ticks): each
 *    thread on its own core, the step as long as its slowest thread's work, synchronisation waits not counted.
 */
async function speed(data: TrainData, cfg: { threads: number; batchSize: number }, student = config, warmSteps = warm): Promise<{ ips: number; micro: number; cpuMsPerImage: number; idle: number; busiest: number; timeline: string }> {
  // Clock and CPU at the end of warm-up step `warmSteps` and of the last step; /proc is read only there, so the
  // instrumentation adds no work to the timed steps.
  const times: number[] = [], cpu: number[] = [];
  const threadCpu: Map<string, number>[] = [];
  const traces: StepTrace[] = [];
  const mark = () => {
    times.push(performance.now());
    const u = process.cpuUsage();
    cpu.push((u.user + u.system) / 1000);
    threadCpu.push(threadCpuMs());
  };
  let timed = 0;
  const r = await trainStudent(student, data, { epochs: 1, ...cfg }, {
    onStepTrace: (s) => traces.push(s),
    onProgress: (p) => {
      if (p.step === warmSteps || p.step === p.steps) mark();
      if (p.step > warmSteps) timed++;
    },
  });
  disposeStudent(r.params);
  const t = times, c = cpu, tc = threadCpu;
  if (t.length !== 2) throw new Error(`bench/train: ${r.history.length ? 'too few steps' : 'no steps'} to time (warm-up ${warmSteps})`);
  const images = timed * cfg.batchSize;
  const cpuMsPerImage = (c[1] - c[0]) / images;
  let busiestMs = 0;
  for (const [tid, end] of tc[1]) busiestMs = Math.max(busiestMs, end - (tc[0].get(tid) ?? 0));
  const timeline = timelineSummary(traces.slice(warmSteps), { first: tc[0], last: tc[1], steps: timed });
  return { ips: images / ((t[1] - t[0]) / 1000), micro: r.microBatch, cpuMsPerImage, idle: (r.threads * 1000) / cpuMsPerImage, busiest: busiestMs > 0 ? (images * 1000) / busiestMs : NaN, timeline };
}
const data28 = (teacher: TrainData['teacher']): TrainData => ({
  train: { x, y, n: count }, val: { x: x.subarray(0, 64 * 784), y: y.subarray(0, 64), n: 64 }, teacher, height: 28, width: 28, channels: 1, fill: [-1],
});

console.log(`reference student: ${params} parameters, 1 channel, batch ${batch}; backend ${backend.name}; ${steps} timed steps after ${warm} warm-up steps; cores ${defaultTrainingThreads()}`);
const cached = { logits: new Float32Array(count * 2).map((_, i) => (i % 2 ? 1 : -1)) };
const one = await speed(data28(cached), { threads: 1, batchSize: batch });
console.log(`28 px, 1 thread:  ${one.ips.toFixed(1)} images/s (${load()}); CPU ${one.cpuMsPerImage.toFixed(2)} ms per image → ${one.idle.toFixed(0)} images/s on an idle core (projection; busiest thread: ${one.busiest.toFixed(0)})`);
const many = await speed(data28(cached), { threads, batchSize: batch });
const scaling = many.ips / one.ips;
console.log(`28 px, ${threads} threads: ${many.ips.toFixed(1)} images/s (${load()}); scaling ${scaling.toFixed(2)}× (targets: ≥ 250 images/s at 2 threads, ≥ 1.7×); CPU ${many.cpuMsPerImage.toFixed(2)} ms per image → ${many.idle.toFixed(0)} images/s on ${threads} idle cores, ${(many.idle / one.idle).toFixed(2)}× (projection, every thread always busy); busiest thread's CPU → ${many.busiest.toFixed(0)} images/s, ${(many.busiest / one.busiest).toFixed(2)}× (projection, waits not counted)`);
console.log(`where a ${threads}-thread step's time goes (medians over the timed steps, bench/train-timeline.ts):\n${many.timeline}`);

// The teacher through its interface (its metadata carries the contract); images 28×28 as the bench's data.
const teacherBytes = new Uint8Array(readFileSync(teacherPath));
const teacherIface = await resolveModelInterface(teacherBytes, { what: teacherPath });
const teacher = await createOnlineTeacher({ model: teacherBytes, iface: { ...teacherIface, input: { ...teacherIface.input, height: 28, width: 28 } }, contract: studentContract(teacherIface) });
let online: number;
try {
  online = (await speed(data28({ online: teacher }), { threads, batchSize: batch })).ips;
} finally {
  await teacher.close();
}
console.log(`28 px, ${threads} threads, online teacher (ResNet-18 in its own thread, on every augmented batch): ${online.toFixed(1)} images/s, ${(online / many.ips * 100).toFixed(0)} % of the cached-logits speed (${load()})`);

for (const size of values.sizes!.split(',').map(Number)) {
  const sizeWarm = 2;
  const n = batch * (sizeSteps + sizeWarm);
  const px = size * size;
  const sx = new Float32Array(n * px);
  for (let i = 0; i < n; i++) for (let p = 0; p < px; p++) sx[i * px + p] = Math.sin(i * 0.7 + p * 0.013) + (i % 2 ? 0.5 : -0.5);
  const sy = Int32Array.from({ length: n }, (_, i) => i % 2);
  const d: TrainData = { train: { x: sx, y: sy, n }, val: { x: sx.subarray(0, 8 * px), y: sy.subarray(0, 8), n: 8 }, teacher: { logits: new Float32Array(n * 2) }, height: size, width: size, channels: 1, fill: [-1] };
  const r = await speed(d, { threads, batchSize: batch }, referenceStudent(1, 2, size), sizeWarm);
  console.log(`${size} px, ${threads} threads, batch ${batch} in micro-batches of ${r.micro}: ${r.ips.toFixed(2)} images/s over ${sizeSteps} step(s) (${load()})`);
}

let full = NaN;
if (!values['steps-only']) {
  const job = await runDistillJob({ teacher: teacherPath, data: 'examples/pneumoniamnist/pneumoniamnist.npz', outDir: mkdtempSync(join(tmpdir(), 'bench-train-')), train: { epochs: 10, threads }, latencyIterations: 20, throughputIterations: 2 });
  const t = job.report.training as { wallSeconds: number; imagesPerSecond: number };
  full = t.wallSeconds;
  const s = job.report.stages[1];
  console.log(`full distillation run (10 epochs of ${ds.splits.train!.count} images, ${threads} threads): ${(full / 60).toFixed(1)} min (target ≤ 5), ${t.imagesPerSecond.toFixed(1)} images/s; student test AUC ${s.test.auc.toFixed(4)} (${load()})`);
}

if (values['compare-torch']) {
  const probeTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probeTorch.status !== 0) {
    console.log(`compare-torch: skipped — /usr/bin/python3 cannot import torch (${(probeTorch.stderr || probeTorch.error?.message || '').trim().split('\n').pop()})`);
  } else {
    for (const [th, ours] of [[1, one.ips], [threads, many.ips]] as const) {
      const r = spawnSync('/usr/bin/python3', ['bench/train_torch.py', '--threads', String(th), '--batch', String(batch), '--steps', String(steps)], { encoding: 'utf8' });
      const m = /images_per_second=([\d.]+)/.exec(r.stdout);
      if (!m) { console.log(`compare-torch: the PyTorch run failed: ${r.stderr.trim().split('\n').pop()}`); break; }
      console.log(`PyTorch ${th} thread(s): ${Number(m[1]).toFixed(1)} images/s; medslim/PyTorch ${(ours / Number(m[1])).toFixed(2)} (${load()})`);
    }
  }
}
console.log(`train: backend=${backend.name} threads=${threads} images_per_second=${many.ips.toFixed(1)} images_per_second_1thread=${one.ips.toFixed(1)} scaling=${scaling.toFixed(2)} full_run_seconds=${Number.isNaN(full) ? 'skipped' : full.toFixed(0)}`);
