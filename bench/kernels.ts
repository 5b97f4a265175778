/**
 * Micro benchmark: training throughput of a ~92k-parameter MobileNetV2-style
 * student on the wasm backend with medslim's training kernels, with and
 * without the optional fast paths.
 *
 *   npx tsx bench/kernels.ts [--batch 64] [--steps 20] [--warmup 3]
 *       [--configs all,brief,none,no-tile,no-conv1x1,no-relu6,no-bn,no-bn-grad,no-reductions,no-share] [--profile]
 *
 * Model (plain tfjs-core ops, tf.variable weights, NHWC 28×28×3 input):
 *   stem 3×3 conv s1 → 16, BN, ReLU6
 *   inverted residual blocks (expand 1×1 + BN + ReLU6, 3×3 depthwise + BN +
 *   ReLU6, project 1×1 + BN, residual add when shapes match):
 *     16→16 s1, 16→24 s2, 24→24 s1, 24→32 s2, 32→32 s1, 32→64 s1, 64→64 s1 (expansion 4)
 *   head 1×1 conv → 176, BN, ReLU6, global average pool, dense → 2.
 * BatchNorm is in training mode: tf.moments over N,H,W, then tf.batchNorm.
 * A step is forward + tf.variableGrads + Adam update (tf.train.adam).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { ensureTfjsGradients } from '../packages/distill/src/backend/gradients.ts';
import { maxBatchForBackend } from '../packages/distill/src/backend/memory.ts';
import { NO_FAST_PATHS, setWasmFastPaths, wasmFastPaths } from '../packages/distill/src/kernels/flags.ts';
import type { WasmFastPathFlags } from '../packages/distill/src/kernels/flags.ts';
import { registerWasmTrainingKernels } from '../packages/distill/src/kernels/register.ts';
import { mulberry32 } from '@medslim/data';

type T4 = tf.Tensor4D;

interface Args {
  batch: number;
  steps: number;
  warmup: number;
  configs: string[];
  profile: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { batch: 64, steps: 20, warmup: 3, configs: ['all', 'brief', 'none'], profile: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    if (k === '--batch') a.batch = Number(v), i++;
    else if (k === '--steps') a.steps = Number(v), i++;
    else if (k === '--warmup') a.warmup = Number(v), i++;
    else if (k === '--configs') a.configs = v.split(','), i++;
    else if (k === '--profile') a.profile = true;
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

const ALL: WasmFastPathFlags = { tile: true, conv2dBackpropInput1x1: true, relu6Grad: true, batchNorm: true, batchNormGrad: true, reductions: true, shareBuffers: true, batchNormTrain: true };
const CONFIGS: Record<string, WasmFastPathFlags> = {
  all: ALL,
  /** Only the fast paths the brief asked for: Tile, 1×1 Conv2DBackpropInput, ReLU6 gradient. */
  brief: { ...NO_FAST_PATHS, tile: true, conv2dBackpropInput1x1: true, relu6Grad: true },
  none: NO_FAST_PATHS,
  'no-tile': { ...ALL, tile: false },
  'no-conv1x1': { ...ALL, conv2dBackpropInput1x1: false },
  'no-relu6': { ...ALL, relu6Grad: false },
  'no-bn': { ...ALL, batchNorm: false },
  'no-bn-grad': { ...ALL, batchNormGrad: false },
  'no-reductions': { ...ALL, reductions: false },
  'no-share': { ...ALL, shareBuffers: false },
};

// ---------------------------------------------------------------- model

/** Deterministic uniform [-1, 1) numbers (mulberry32). */
function rng(seed: number): () => number {
  const u = mulberry32(seed);
  return () => u() * 2 - 1;
}

class Student {
  readonly vars: tf.Variable[] = [];
  private readonly r = rng(42);
  private readonly layers: Array<(x: T4) => T4> = [];
  private dense!: { w: tf.Variable; b: tf.Variable };

  constructor() {
    this.layers.push(this.convBn(3, 3, 16, 1, true));
    const blocks: Array<[number, number, number]> = [
      [16, 16, 1],
      [16, 24, 2],
      [24, 24, 1],
      [24, 32, 2],
      [32, 32, 1],
      [32, 64, 1],
      [64, 64, 1],
    ];
    for (const [cin, cout, stride] of blocks) this.layers.push(this.invertedResidual(cin, cout, stride, 4));
    this.layers.push(this.convBn(1, 64, 176, 1, true));
    this.dense = { w: this.weight([176, 2], 176), b: this.zeros([2]) };
  }

  get paramCount(): number {
    return this.vars.reduce((n, v) => n + v.size, 0);
  }

  private weight(shape: number[], fanIn: number): tf.Variable {
    const n = shape.reduce((a, b) => a * b, 1);
    const scale = Math.sqrt(3 / fanIn);
    return this.track(tf.tensor(Float32Array.from({ length: n }, () => this.r() * scale), shape));
  }

  private zeros(shape: number[], value = 0): tf.Variable {
    return this.track(tf.fill(shape, value));
  }

  /** A trainable variable holding t's values (t itself is disposed). */
  private track(t: tf.Tensor): tf.Variable {
    const v = tf.variable(t);
    t.dispose();
    this.vars.push(v);
    return v;
  }

  private bn(c: number): (x: T4) => T4 {
    const gamma = this.zeros([c], 1);
    const beta = this.zeros([c], 0);
    return (x) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm(x, mean, variance, beta, gamma, 1e-3) as T4;
    };
  }

  private convBn(k: number, cin: number, cout: number, stride: number, relu6: boolean): (x: T4) => T4 {
    const w = this.weight([k, k, cin, cout], k * k * cin);
    const bn = this.bn(cout);
    return (x) => {
      const y = bn(tf.conv2d(x, w as unknown as T4, stride, 'same'));
      return relu6 ? tf.relu6(y) : y;
    };
  }

  private dwBn(cin: number, stride: number): (x: T4) => T4 {
    const w = this.weight([3, 3, cin, 1], 9);
    const bn = this.bn(cin);
    return (x) => tf.relu6(bn(tf.depthwiseConv2d(x, w as unknown as T4, stride, 'same'))) as T4;
  }

  private invertedResidual(cin: number, cout: number, stride: number, t: number): (x: T4) => T4 {
    const expand = this.convBn(1, cin, cin * t, 1, true);
    const dw = this.dwBn(cin * t, stride);
    const project = this.convBn(1, cin * t, cout, 1, false);
    return (x) => {
      const y = project(dw(expand(x)));
      return stride === 1 && cin === cout ? tf.add(x, y) : y;
    };
  }

  logits(x: T4): tf.Tensor2D {
    let h = x;
    for (const layer of this.layers) h = layer(h);
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    return tf.add(tf.matMul(pooled, this.dense.w as unknown as tf.Tensor2D), this.dense.b) as tf.Tensor2D;
  }
}

// ---------------------------------------------------------------- bench

function describe(f: WasmFastPathFlags): string {
  const on = Object.entries(f).filter(([, v]) => v).map(([k]) => k);
  return on.length === 0 ? 'fast paths: none' : `fast paths: ${on.join(', ')}`;
}

/** Size of the wasm heap (it only ever grows: this is the peak so far). */
function heapMB(): number {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return (b.wasm?.HEAPU8?.length ?? 0) / 2 ** 20;
}

function trainStep(model: Student, opt: tf.Optimizer, x: T4, y: tf.Tensor2D): number {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.logits(x)) as tf.Scalar, model.vars);
    opt.applyGradients(grads);
    return value.dataSync()[0];
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.batch > maxBatchForBackend('wasm')) throw new Error(`batch ${args.batch} is above the wasm limit of ${maxBatchForBackend('wasm')} images per pass`);
  await ensureTfjsGradients();
  const summary = registerWasmTrainingKernels();
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  console.log(`backend ${tf.getBackend()} (SIMD ${simd}, multithread ${threads}); kernels added: ${summary.added.join(', ')}; wrapped: ${summary.overridden.join(', ')}; gradients: ${summary.gradients.join(', ')}`);

  const model = new Student();
  const opt = tf.train.adam(1e-3);
  const r = rng(7);
  const x = tf.tensor4d(Float32Array.from({ length: args.batch * 28 * 28 * 3 }, r), [args.batch, 28, 28, 3]);
  const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: args.batch }, (_, i) => i % 2), 'int32'), 2), 'float32') as tf.Tensor2D);
  console.log(`student: ${model.paramCount} parameters; batch ${args.batch} of 28×28×3; ${args.warmup} warm-up + ${args.steps} timed steps per config`);

  const results: Array<[string, number]> = [];
  for (const name of args.configs) {
    const flags = CONFIGS[name];
    if (flags == null) throw new Error(`unknown config ${name} (known: ${Object.keys(CONFIGS).join(', ')})`);
    const prev = setWasmFastPaths(flags);
    for (let i = 0; i < args.warmup; i++) trainStep(model, opt, x, labels);
    const before = tf.memory().numTensors;
    const times: number[] = [];
    let loss = 0;
    for (let i = 0; i < args.steps; i++) {
      const t0 = performance.now();
      loss = trainStep(model, opt, x, labels);
      times.push(performance.now() - t0);
    }
    const total = times.reduce((a, b) => a + b, 0) / 1000;
    const after = tf.memory().numTensors;
    const ips = (args.steps * args.batch) / total;
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    results.push([name, ips]);
    console.log(
      `${name.padEnd(8)} ${ips.toFixed(1).padStart(6)} images/s  (mean ${((total * 1000) / args.steps).toFixed(0)} ms/step, median ${median.toFixed(0)}, best ${sorted[0].toFixed(0)} → ${((args.batch * 1000) / sorted[0]).toFixed(1)} images/s; ` +
        `loss ${loss.toFixed(4)}; numTensors ${before} → ${after}; wasm heap ${heapMB().toFixed(0)} MB)  ${describe(wasmFastPaths)}`,
    );
    if (after !== before) console.log(`  LEAK: ${after - before} tensors`);
    setWasmFastPaths(prev);
  }

  if (args.profile) {
    const info = await tf.profile(() => {
      trainStep(model, opt, x, labels);
    });
    const byKernel = new Map<string, { ms: number; n: number }>();
    for (const k of info.kernels) {
      const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
      e.ms += Number(k.kernelTimeMs) || 0;
      e.n++;
      byKernel.set(k.name, e);
    }
    const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
    const total = rows.reduce((s, [, e]) => s + e.ms, 0);
    console.log(`\nprofile of one step with ${JSON.stringify(wasmFastPaths)} (kernel time ${total.toFixed(0)} ms):`);
    for (const [name, e] of rows.slice(0, 25)) console.log(`  ${name.padEnd(40)} ${e.ms.toFixed(1).padStart(8)} ms  ×${e.n}`);
  }

  tf.dispose([x, labels, ...model.vars]);
  opt.dispose();
  console.log(`\nnumTensors after disposing the model, data and optimizer: ${tf.memory().numTensors}`);
  console.log(`summary: ${results.map(([n, v]) => `${n} ${v.toFixed(1)}`).join(' | ')} images/s`);
}

try {
  await main();
} catch (err) {
  // The wasm module re-throws uncaught errors with its whole source attached.
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
}
