/**
 * bench/serve — the inference function served over HTTP on 127.0.0.1 versus `session.run` called
 * in-process on the same input, measured in the same run:
 *   in-process: p50/p99 of sequential `session.run` (same intraOpNumThreads);
 *   HTTP (autocannon, keep-alive, JSON body): p50/p99 at concurrency 1 (latency of every 2xx
 *   response, µs resolution), requests/s and errors at concurrency 16 and 64.
 * Prints both, their ratios, and the cost per million predictions for a 512 MB x86_64 Lambda at the
 * measured HTTP p50 (billed ms rounded up to 1 ms, batch 1). The last line is
 *   serve: http_p50_ms=… inproc_p50_ms=… overhead_ms=… rps_c64=… errors=… usd_per_million=…
 *
 * Usage: npx tsx bench/serve.ts [--model <onnx> | --model int8-teacher] [--duration 10] [--threads 1] [--max-concurrent-runs auto|N]
 *   (no --model: a small INT8 student stand-in — tinyResNet 1×28×28, 2 classes, quantized with
 *   @medslim/quantize on PneumoniaMNIST images; --model int8-teacher: the PneumoniaMNIST ResNet-18
 *   teacher quantized to INT8 as `medslim quantize` does, written to a temp dir.)
 * The server runs in a child process, so client and server do not share an event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { contractFromMetadata, contractToMetadata, loadDataset, sampleIndices, toModelInput } from '@medslim/data';
import { getMetadata, readModel, writeModel } from '@medslim/onnx';
import { tinyResNet } from '@medslim/onnx/testing';
import { quantizeStatic } from '@medslim/quantize';
import { billedMs, InMemoryModelSource, lambdaCost } from '@medslim/serving';
import { startServer } from '@medslim/http';
import { createInferApp } from '@medslim/infer';

/** The part of autocannon's programmatic API used here (the package ships no types). */
interface CannonResult {
  duration: number;
  /** Socket errors plus timeouts (a timeout counts in both `errors` and `timeouts`). */
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}
type Cannon = (opts: { url: string; method: string; headers: Record<string, string>; body: string; connections: number; duration: number; timeout: number }) => EventEmitter & PromiseLike<CannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    duration: { type: 'string', default: '10' },
    threads: { type: 'string', default: '1' },
    'max-concurrent-runs': { type: 'string', default: 'auto' },
    data: { type: 'string', default: 'examples/pneumoniamnist/pneumoniamnist.npz' },
    'serve-child': { type: 'string' },
  },
});
const threads = Number(values.threads);
const maxConcurrentRuns = values['max-concurrent-runs'] === 'auto' ? ('auto' as const) : Number(values['max-concurrent-runs']);
const KEY = 'bench-key';
const MODEL = 'bench';

async function buildStudent(dataPath: string): Promise<{ bytes: Uint8Array; label: string }> {
  const ds = loadDataset(dataPath);
  const contract = { layout: 'NCHW' as const, scale: 1 / 255, mean: [0.5], std: [0.5] };
  const fp32 = writeModel(tinyResNet({ channels: 1, classes: 2, size: 28, seed: 7, batchNorm: true, metadata: { 'medslim.preprocess': contractToMetadata(contract), 'medslim.labels': 'normal,pneumonia' } }));
  const idx = sampleIndices(ds.splits.train!.count, 128, 0);
  const q = await quantizeStatic(fp32, [toModelInput(ds.splits.train!.images, contract, { channels: 1, indices: idx })]);
  return { bytes: q.bytes, label: `small INT8 student stand-in: tinyResNet 1×28×28 → 2 classes (3 convs + residual + GAP + Gemm), static INT8 QDQ, ${q.bytes.byteLength} bytes` };
}

async function buildInt8Teacher(dataPath: string): Promise<{ bytes: Uint8Array; label: string; path: string }> {
  const teacher = 'examples/pneumoniamnist/pneumoniamnist-resnet18.onnx';
  const fp32 = new Uint8Array(readFileSync(teacher));
  const contract = contractFromMetadata(getMetadata(readModel(fp32)))!;
  const ds = loadDataset(dataPath);
  const idx = sampleIndices(ds.splits.train!.count, 512, 0);
  const batches = [];
  for (let s = 0; s < idx.length; s += 32) batches.push(toModelInput(ds.splits.train!.images, contract, { channels: ds.channels, indices: idx.subarray(s, s + 32) }));
  const q = await quantizeStatic(fp32, batches);
  const path = join(mkdtempSync(join(tmpdir(), 'medslim-bench-serve-')), 'model.int8.onnx');
  writeFileSync(path, q.bytes);
  return { bytes: q.bytes, label: `INT8 ResNet-18 (PneumoniaMNIST teacher quantized, ${q.bytes.byteLength} bytes, kept at ${path} — pass it to --model next time)`, path };
}

/** CPU time (user + system) a process has used, ms; null where /proc is not available. */
function cpuMs(pid: number): number | null {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

async function startChild(modelPath: string): Promise<{ port: number; child: ChildProcess }> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', self, '--serve-child', modelPath, '--threads', String(threads), '--max-concurrent-runs', String(maxConcurrentRuns)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the server process exited with code ${code}`)));
  });
  return { port: (JSON.parse(line) as { port: number }).port, child };
}

async function main(): Promise<void> {
  const duration = Number(values.duration);
  let bytes: Uint8Array, label: string, modelPath: string;
  let scratch: string | undefined; // removed at the end (the student is rebuilt in seconds)
  if (values.model === undefined) {
    ({ bytes, label } = await buildStudent(values.data!));
    scratch = mkdtempSync(join(tmpdir(), 'medslim-bench-serve-'));
    modelPath = join(scratch, 'student.int8.onnx');
    writeFileSync(modelPath, bytes);
  } else if (values.model === 'int8-teacher') {
    ({ bytes, label, path: modelPath } = await buildInt8Teacher(values.data!));
  } else {
    modelPath = values.model;
    bytes = new Uint8Array(readFileSync(modelPath));
    label = `${basename(modelPath)} (${bytes.byteLength} bytes, ${modelPath})`;
  }

  // The request: the first PneumoniaMNIST test image in the model's contract.
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const metadata = getMetadata(readModel(bytes));
  const contract = contractFromMetadata(metadata)!;
  const shape = session.inputMetadata[0].isTensor ? session.inputMetadata[0].shape : [];
  const [C, H, W] = contract.layout === 'NCHW' ? [shape[1], shape[2], shape[3]] : [shape[3], shape[1], shape[2]];
  const ds = loadDataset(values.data!);
  const x = toModelInput(ds.splits.test!.images, contract, { channels: Number(C), height: Number(H), width: Number(W), start: 0, count: 1 });
  // Values written with 9 significant digits: enough for every float32 to round-trip exactly (the
  // server parses the very same tensor), and JSON.parse reads them ~2× faster than 17-digit doubles.
  const body = JSON.stringify({ inputs: { shape: x.dims, data: Array.from(x.data, (v) => Number(v.toPrecision(9))) } });
  if (!Float32Array.from((JSON.parse(body) as { inputs: { data: number[] } }).inputs.data).every((v, i) => v === x.data[i])) throw new Error('the JSON body does not round-trip the float32 input');
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x.data, x.dims) };

  // In-process: sequential session.run on the same input.
  for (let i = 0; i < 100; i++) await session.run(feeds);
  const inproc: number[] = [];
  const until = performance.now() + duration * 1000;
  while (performance.now() < until || inproc.length < 200) {
    const t = performance.now();
    await session.run(feeds);
    inproc.push(performance.now() - t);
  }
  inproc.sort((a, b) => a - b);
  const logits = Array.from((await session.run(feeds))[session.outputNames[0]].data as Float32Array);
  const m = Math.max(...logits);
  const expected = logits.map((v) => Math.exp(v - m)).map((e, _, all) => e / all.reduce((a, b) => a + b, 0));
  await session.release();

  const { port, child } = await startChild(modelPath);
  const url = `http://127.0.0.1:${port}/v1/models/${MODEL}/predict`;
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  try {
    const first = (await (await fetch(url, { method: 'POST', headers, body })).json()) as { predictions: { probabilities: Record<string, number> }[] };
    const health = (await (await fetch(`http://127.0.0.1:${port}/v1/inference/status`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { sessions: { runLimits: Record<string, number> } };
    const runLimit = Object.values(health.sessions.runLimits)[0];
    const diff = Math.max(...Object.values(first.predictions[0].probabilities).map((p, k) => Math.abs(p - expected[k])));
    if (!(diff <= 1e-6)) throw new Error(`HTTP probabilities differ from in-process ones by ${diff}`);

    const cannon = async (connections: number, record?: number[], seconds = duration) => {
      const cpu0 = cpuMs(child.pid!);
      const inst = autocannon({ url, method: 'POST', headers, body, connections, duration: seconds, timeout: 10 });
      if (record) inst.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => status === 200 && record.push(ms));
      const r = await inst;
      const cpu1 = cpuMs(child.pid!);
      const done = r['2xx'] + r.non2xx;
      // Server CPU per request: robust to other load on the machine (throughput is not).
      const cpuUs = cpu0 !== null && cpu1 !== null && done > 0 ? ((cpu1 - cpu0) * 1000) / done : null;
      return { rps: r['2xx'] / r.duration, errors: r.errors + r.non2xx, detail: `${r.errors - r.timeouts} socket errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`, total: r['2xx'], cpuUs };
    };
    await cannon(8, undefined, Math.min(duration, 3)); // warm-up: JIT, connections, ORT arenas
    const lat: number[] = [];
    const c1 = await cannon(1, lat);
    lat.sort((a, b) => a - b);
    const c16 = await cannon(16);
    const c64 = await cannon(64);

    const http50 = pct(lat, 0.5), http99 = pct(lat, 0.99);
    const in50 = pct(inproc, 0.5), in99 = pct(inproc, 0.99);
    const usdPerM = lambdaCost({ memoryMb: 512, architecture: 'x86_64', billedMs: http50, batch: 1 }) * 1e6;
    const errors = c1.errors + c16.errors + c64.errors;
    const f = (v: number, d = 3) => v.toFixed(d);
    console.log(`model: ${label}`);
    console.log(`request: JSON {"inputs": {shape: [${x.dims.join(', ')}], data}} (${body.length} bytes; float32 values with 9 significant digits, exact), first PneumoniaMNIST test image; onnxruntime-node intraOpNumThreads=${threads}, maxConcurrentRuns=${maxConcurrentRuns === 0 ? 'unlimited' : maxConcurrentRuns}${runLimit !== undefined ? ` (per session: ${runLimit})` : ''}; ${duration} s per measurement; HTTP/1.1 keep-alive on 127.0.0.1 (autocannon in this process, the server in a child process)`);
    console.log(`in-process session.run: p50 ${f(in50)} ms  p99 ${f(in99)} ms  (${inproc.length} runs, ${f(1000 / (inproc.reduce((a, b) => a + b, 0) / inproc.length), 0)} runs/s sequential)`);
    console.log(`HTTP c1:  p50 ${f(http50)} ms  p99 ${f(http99)} ms  (${lat.length} requests, ${f(c1.rps, 0)} req/s)   ratio p50 ${f(http50 / in50, 2)}×  p99 ${f(http99 / in99, 2)}×  overhead p50 +${f(http50 - in50)} ms`);
    const cpu = (c: { cpuUs: number | null }) => (c.cpuUs === null ? '' : `  server CPU ${f(c.cpuUs, 0)} µs/request (≈ ${f(1e6 / c.cpuUs, 0)} req/s per fully available core)`);
    const errs = (c: { errors: number; detail: string }) => `errors ${c.errors}${c.errors ? ` (${c.detail})` : ''}`;
    console.log(`HTTP c16: ${f(c16.rps, 0)} req/s  ${errs(c16)}${cpu(c16)}`);
    console.log(`HTTP c64: ${f(c64.rps, 0)} req/s  ${errs(c64)}${cpu(c64)}   (c64 / sequential in-process ${f(c64.rps / (1000 / in50), 2)}×)`);
    const load = loadavg()[0];
    if (load > cpus().length) console.log(`note: load average ${f(load, 1)} on ${cpus().length} CPUs while measuring — other processes shared the machine; req/s are lower than on an idle one (server CPU per request is not)`);
    console.log(`cost: 512 MB x86_64 Lambda, billed ${billedMs(http50)} ms (HTTP p50 rounded up), batch 1 → $${f(usdPerM, 4)} per million predictions ($${(usdPerM / 1000).toPrecision(4)} per 1,000)`);
    console.log(`serve: http_p50_ms=${f(http50)} inproc_p50_ms=${f(in50)} overhead_ms=${f(http50 - in50)} rps_c64=${f(c64.rps, 0)} errors=${errors} usd_per_million=${f(usdPerM, 4)}`);
  } finally {
    child.stdin!.end();
    child.kill();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** Child process: serve one model from memory until stdin closes. */
async function serveChild(path: string): Promise<void> {
  const bytes = new Uint8Array(readFileSync(path));
  const source = new InMemoryModelSource()
    .addVersion({ model: MODEL, version: 1, bytes })
    .setAlias({ model: MODEL, alias: 'prod', targets: [{ version: 1, weight: 1 }] });
  const caller = { tenant: 'default', role: 'reader' };
  const app = createInferApp({
    source,
    authenticate: async (k) => (k === KEY ? caller : null),
    config: { intraOpNumThreads: threads, maxConcurrentRuns, cost: { memoryMb: 512, architecture: 'x86_64' } },
  });
  const server = await startServer(app, { port: 0, host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
}

if (values['serve-child'] !== undefined) await serveChild(values['serve-child']);
else await main();
