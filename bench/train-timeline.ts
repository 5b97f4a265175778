/**
 * bench/train-timeline — where the wall time of a data-parallel training step goes (issue 15): for each step the
 * pool's timeline (packages/distill/src/parallel/pool.ts StepTrace, one clock shared by all threads) split into
 * the main thread's compute, its serial work (weights out, gradient sum, optimizer, next batch, progress) and its
 * waits, each worker's compute and idle time, and the message latencies; plus CPU time per step of the main
 * thread, the busiest worker thread and all other threads (V8's GC helpers, libuv) from /proc/self/task/<tid>/stat.
 * bench/train.ts prints this breakdown for its N-thread run; run alone:
 *
 *   npx tsx bench/train-timeline.ts [--threads 2] [--steps 20] [--batch 64] [--warm 2] [--window 5]
 *
 * Figures are medians over the timed steps (after --warm warm-up steps), in ms per step. --window N also prints,
 * for every N steps from the first, the CPU per step of the computing threads and of all other threads (V8's
 * compiler and GC helpers): how long a fresh run takes to settle.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { StepTrace } from '../packages/distill/src/parallel/pool.ts';

/** Names of this process's threads (/proc/self/task/<tid>/comm), by thread id, remembered once seen. */
const threadNames = new Map<string, string>();

/** CPU milliseconds (user + system) of each thread of this process, by thread id (Linux /proc; empty elsewhere). */
export function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
        out.set(tid, ((Number(f[11]) + Number(f[12])) * 1000) / 100); // utime, stime in clock ticks (USER_HZ 100)
        if (!threadNames.has(tid)) threadNames.set(tid, stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
      } catch { /* the thread ended */ }
    }
  } catch { /* no /proc */ }
  return out;
}

const median = (v: number[]) => {
  const s = v.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : NaN;
};

/**
 * Breakdown of the steps `traces` (consecutive, same run) in ms per step (medians; the last step has no
 * successor and only counts where no next start is needed). `cpu`: per-thread CPU ms (threadCpuMs) before and
 * after `steps` steps, to attribute CPU time per step to the main thread (process.pid) and the others.
 */
export function timelineSummary(traces: StepTrace[], cpu?: { first: Map<string, number>; last: Map<string, number>; steps: number }): string {
  const rows: Record<string, number[]> = {};
  const add = (k: string, v: number) => (rows[k] ??= []).push(v);
  for (let i = 0; i + 1 < traces.length; i++) {
    const t = traces[i], next = traces[i + 1];
    add('step period', next.start - t.start);
    add('main: post the step to the workers', t.posted - t.start);
    add('main: weights into its student', t.weightsSet - t.posted);
    add('main: own shard compute', t.mainDone - t.weightsSet);
    add('main: waits for workers', t.answered - t.mainDone);
    add('main: sum gradients + pool BN stats', t.end - t.answered);
    add('main: between steps (optimizer, stats, next batch, progress)', next.start - t.end);
    t.workers.forEach((w, j) => {
      add(`worker ${j + 1}: wake-up latency (post → received)`, w.received - t.posted);
      add(`worker ${j + 1}: weights into its student`, w.weightsSet - w.received);
      add(`worker ${j + 1}: shard compute`, w.done - w.weightsSet);
      add(`worker ${j + 1}: answer latency (done → seen by main)`, w.answerSeen - w.done);
      add(`worker ${j + 1}: idle (done → next step received)`, next.workers[j] ? next.workers[j].received - w.done : NaN);
    });
  }
  const lines = Object.entries(rows).map(([k, v]) => `  ${k.padEnd(62)} ${median(v).toFixed(2).padStart(8)} ms`);
  if (cpu) {
    const steps = cpu.steps;
    const main = String(process.pid);
    let others = 0, busiest = 0, mainMs = 0;
    for (const [tid, end] of cpu.last) {
      const d = end - (cpu.first.get(tid) ?? 0);
      if (tid === main) mainMs = d;
      else { others += d; busiest = Math.max(busiest, d); }
    }
    lines.push(`  CPU per step (10 ms ticks over ${steps} steps): main thread ${(mainMs / steps).toFixed(1)} ms, busiest other thread ${(busiest / steps).toFixed(1)} ms, all other threads ${(others / steps).toFixed(1)} ms`);
    const byThread = [...cpu.last].map(([tid, end]): [string, number] => [`${tid === main ? 'main ' : ''}${threadNames.get(tid) ?? '?'}`, end - (cpu.first.get(tid) ?? 0)]).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
    lines.push(`  CPU per step by thread: ${byThread.map(([k, v]) => `${k} ${(v / steps).toFixed(1)} ms`).join(', ')}`);
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { loadDataset, toModelInput } = await import('@medslim/data');
  const { disposeStudent, referenceStudent, selectTrainingBackend, trainStudent } = await import('@medslim/distill');
  const { values } = parseArgs({ options: { threads: { type: 'string', default: '2' }, steps: { type: 'string', default: '20' }, batch: { type: 'string', default: '64' }, warm: { type: 'string', default: '2' }, window: { type: 'string', default: '0' } } });
  const threads = Number(values.threads), steps = Number(values.steps), batch = Number(values.batch);
  await selectTrainingBackend({ prefer: 'wasm' });
  const ds = loadDataset('examples/pneumoniamnist/pneumoniamnist.npz');
  const warm = Number(values.warm);
  const count = Math.min((steps + warm + 1) * batch, ds.splits.train!.count);
  const x = toModelInput(ds.splits.train!.images, { layout: 'NHWC', scale: 1 / 255, mean: [0.5], std: [0.5] }, { channels: 1, count }).data;
  const y = ds.splits.train!.labels.subarray(0, count);
  const traces: StepTrace[] = [];
  const cpuAt: Map<string, number>[] = [];
  const window = Number(values.window);
  const windows: Map<string, number>[] = [];
  const cpu0 = process.cpuUsage();
  const r = await trainStudent(referenceStudent(1, 2), {
    train: { x, y, n: count }, val: { x: x.subarray(0, 64 * 784), y: y.subarray(0, 64), n: 64 },
    teacher: { logits: new Float32Array(count * 2).map((_, i) => (i % 2 ? 1 : -1)) }, height: 28, width: 28, channels: 1, fill: [-1],
  }, { epochs: 1, threads, batchSize: batch }, {
    onStepTrace: (t) => {
      traces.push(t);
      if (traces.length === warm + 1) { cpuAt.push(threadCpuMs()); }
    },
    onProgress: (p) => {
      if (p.step === p.steps) cpuAt.push(threadCpuMs());
      if (window > 0 && p.step % window === 0) windows.push(threadCpuMs());
    },
  });
  disposeStudent(r.params);
  const timed = traces.slice(warm);
  const wall = (timed[timed.length - 1].start - timed[0].start);
  const u = process.cpuUsage(cpu0);
  console.log(`${threads} thread(s), batch ${batch}, ${timed.length - 1} timed steps: ${(((timed.length - 1) * batch * 1000) / wall).toFixed(1)} images/s (load ${loadavg()[0].toFixed(1)}; process CPU over the whole run ${((u.user + u.system) / 1000 / traces.length).toFixed(1)} ms per step)`);
  console.log(timelineSummary(timed, { first: cpuAt[0], last: cpuAt[1], steps: timed.length - 1 }));
  for (let i = 1; i < windows.length; i++) {
    // The computing threads are the main thread and the `threads - 1` busiest others of the window.
    const d = [...windows[i]].map(([tid, v]): [string, number] => [tid, (v - (windows[i - 1].get(tid) ?? 0)) / window]);
    const main = d.find(([tid]) => tid === String(process.pid))?.[1] ?? 0;
    const rest = d.filter(([tid]) => tid !== String(process.pid)).map(([, v]) => v).sort((a, b) => b - a);
    const workers = rest.slice(0, threads - 1);
    const others = rest.slice(threads - 1).reduce((a, b) => a + b, 0);
    console.log(`  steps ${i * window + 1}–${(i + 1) * window}: CPU per step main ${main.toFixed(0)} ms${workers.length ? `, worker(s) ${workers.map((w) => w.toFixed(0)).join('/')} ms` : ''}, all other threads ${others.toFixed(1)} ms`);
  }
}
