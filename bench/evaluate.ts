/**
 * Speed of the gate's statistics: `evaluateClassifier` with 1,000 percentile-bootstrap resamples on N = 624,
 * K = 2 (PneumoniaMNIST's test split), the work of one evaluated stage. Target: well under 1 s on an idle
 * 2-core machine. Prints wall and process CPU time per call (median of `--runs`) and the load average, so a
 * figure measured on a busy machine says so.
 *
 *   npx tsx bench/evaluate.ts [--runs 5]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { mulberry32 } from '@medslim/data';
import { argmax, evaluateClassifier } from '@medslim/eval';

const { values } = parseArgs({ options: { runs: { type: 'string' } } });
const runs = Number(values.runs ?? 5);
const n = 624;
const k = 2;
const rng = mulberry32(42);
const labels = new Int32Array(n);
const logits = new Float32Array(n * k);
for (let i = 0; i < n; i++) {
  labels[i] = Math.floor(rng() * k);
  for (let j = 0; j < k; j++) logits[i * k + j] = 2 * (rng() - 0.5) + (j === labels[i] ? 1.2 : 0);
}
const referencePred = argmax(logits, n, k);
evaluateClassifier(logits, labels, k, { referencePred, bootstrap: { iterations: 50 } }); // JIT warm-up

const wall: number[] = [];
const cpu: number[] = [];
for (let r = 0; r < runs; r++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  evaluateClassifier(logits, labels, k, { referencePred, bootstrap: { iterations: 1000, seed: r } });
  wall.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
console.log(`evaluateClassifier N=${n} K=${k} B=1000: wall median ${median(wall).toFixed(1)} ms, CPU median ${median(cpu).toFixed(1)} ms over ${runs} runs (load average ${loadavg()[0].toFixed(1)})`);
