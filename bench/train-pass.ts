/**
 * bench/train-pass — the cost of ONE forward/backward pass of the reference student on the wasm backend
 * (`shardGradients`, one thread, the KD loss), in process CPU time, which other processes on a shared machine
 * disturb much less than wall time: per batch size (the per-pass fixed cost is the intercept of CPU time against
 * images), optionally with some fast paths switched off (A/B, interleaved pass by pass so load drifts hit every
 * configuration alike), and the wasm heap after the passes (it never shrinks: the peak of the largest pass).
 *
 * Usage: npx tsx bench/train-pass.ts [--size 28] [--batch 8,32,64] [--rounds 10] [--off batchNormTrain;shareBuffers]
 *   --off  ';'-separated configurations, each a ','-separated list of fast-path flags (kernels/flags.ts) to switch off
 * Prints min and median CPU ms per pass over the rounds (after one warm-up round) for each batch and configuration.
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initStudent, referenceStudent, selectTrainingBackend } from '@medslim/distill';
import { setWasmFastPaths, wasmFastPaths, type WasmFastPathFlags } from '../packages/distill/src/kernels/flags.ts';
import { shardGradients, trainableLayout } from '../packages/distill/src/parallel/shard.ts';

const { values } = parseArgs({ options: { size: { type: 'string', default: '28' }, batch: { type: 'string', default: '8,32,64' }, rounds: { type: 'string', default: '10' }, off: { type: 'string', default: '' } } });
const size = Number(values.size), rounds = Number(values.rounds), batches = values.batch!.split(',').map(Number);
const backend = await selectTrainingBackend({ prefer: 'wasm' });
if (backend.name !== 'wasm') throw new Error(`bench/train-pass measures the wasm backend; ${backend.name} was selected`);
const configs: [string, Partial<WasmFastPathFlags>][] = [['all fast paths', {}]];
for (const c of values.off!.split(';').filter(Boolean)) {
  const flags = c.split(',');
  for (const f of flags) if (!(f in wasmFastPaths)) throw new Error(`--off: unknown fast path '${f}' (one of ${Object.keys(wasmFastPaths).join(', ')})`);
  configs.push([`without ${flags.join(', ')}`, Object.fromEntries(flags.map((f) => [f, false]))]);
}
const px = size * size;
const maxBatch = Math.max(...batches);
const x = Float32Array.from({ length: maxBatch * px }, (_, i) => Math.sin(i * 0.013) + ((Math.floor(i / px) % 2) - 0.5));
const batch = { x, y: Int32Array.from({ length: maxBatch }, (_, i) => i % 2), t: Float32Array.from({ length: maxBatch * 2 }, (_, i) => (i % 2 ? 1 : -1)), height: size, width: size, channels: 1 };
const config = referenceStudent(1, 2, size);
const params = initStudent(config, 0);
const acc = new Float32Array(trainableLayout(params).size);
const all = { ...wasmFastPaths };
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const times = new Map<string, number[]>();
for (let r = 0; r <= rounds; r++) {
  for (const m of batches) {
    for (const [name, off] of configs) {
      setWasmFastPaths({ ...all, ...off });
      const t = cpuMs();
      shardGradients(config, params, batch, 0, m, m, m, { temperature: 4, alpha: 0.1 }, acc);
      if (r > 0) times.set(`${m}|${name}`, [...(times.get(`${m}|${name}`) ?? []), cpuMs() - t]);
    }
  }
}
setWasmFastPaths(all);
console.log(`${size}×${size} reference student, one thread, ${rounds} rounds after a warm-up (load ${loadavg()[0].toFixed(1)})`);
for (const [key, v] of times) {
  const [m, name] = key.split('|');
  v.sort((a, b) => a - b);
  const med = v[v.length >> 1];
  console.log(`batch ${m.padStart(3)} ${name.padEnd(40)} CPU per pass: min ${v[0].toFixed(1)} ms, median ${med.toFixed(1)} ms (${((Number(m) * 1000) / v[0]).toFixed(0)} images per CPU-second at the min)`);
}
console.log(`wasm heap after the passes (its peak): ${((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.byteLength / 2 ** 20).toFixed(0)} MB`);
