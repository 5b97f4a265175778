/**
 * Training-backend selection, in the style of ONNX Runtime JS's
 * registerBackend / resolveBackend: candidates are registered with a priority,
 * tried from the highest, each initialised at most once (success or failure is
 * remembered), and the first that works is used. Every earlier failure is
 * reported in `reasons`; when none works one error lists them all.
 *
 * Default candidates:
 *   300 tfjs-node-gpu  `tensorflow` backend of @tensorflow/tfjs-node-gpu, only when a GPU is usable
 *   200 tfjs-node      `tensorflow` backend of @tensorflow/tfjs-node
 *   100 wasm           @tensorflow/tfjs-backend-wasm + medslim's training kernels
 *
 * The native packages are optional dependencies, loaded with a dynamic
 * `import()` inside try/catch. They bundle their own tfjs-core, so when one
 * loads, the `tf` namespace it exports is the one returned.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import { ensureTfjsGradients } from './gradients.ts';

export type Tfjs = typeof import('@tensorflow/tfjs-core');
export type TrainingBackendName = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm';
export type TrainingBackendPreference = 'node-gpu' | 'node' | 'wasm';

export interface SelectedTrainingBackend {
  name: TrainingBackendName;
  tf: Tfjs;
  /** Threads the backend computes with (wasm in Node: 1). */
  threads: number;
  /** Why each candidate tried before this one failed ("name: reason"). */
  reasons: string[];
}

export interface CandidateContext {
  log: (msg: string) => void;
  importModule: (specifier: string) => Promise<unknown>;
  gpuAvailable: () => string | null;
}

export interface TrainingBackendCandidate {
  name: TrainingBackendName;
  /** Loads and activates the backend; throws (with a readable message) when unusable. */
  init(ctx: CandidateContext): Promise<{ tf: Tfjs; threads: number }>;
  /** Makes the backend current again on later selections (default: tf.setBackend). */
  tfBackendName: string;
}

export interface SelectTrainingBackendOptions {
  /** Try this candidate first (the others follow by priority). */
  prefer?: TrainingBackendPreference;
  log?: (msg: string) => void;
  /** For tests: how optional packages are imported (default: dynamic import()). */
  importModule?: (specifier: string) => Promise<unknown>;
  /** For tests: null when a GPU is usable, else why not (default: probes /proc and /dev). */
  gpuAvailable?: () => string | null;
}

interface Entry {
  candidate: TrainingBackendCandidate;
  priority: number;
  init?: Promise<{ tf: Tfjs; threads: number }>;
}

const registry = new Map<TrainingBackendName, Entry>();

const PREFERENCE: Record<TrainingBackendPreference, TrainingBackendName> = {
  'node-gpu': 'tfjs-node-gpu',
  node: 'tfjs-node',
  wasm: 'wasm',
};

/** Registers (or replaces) a candidate; a higher priority is tried first. */
export function registerTrainingBackend(candidate: TrainingBackendCandidate, priority: number): void {
  if (!Number.isFinite(priority)) throw new Error(`priority must be a finite number, got ${priority}`);
  registry.set(candidate.name, { candidate, priority });
}

/** Restores the default candidates and forgets all initialisation results. */
export function resetTrainingBackends(): void {
  registry.clear();
  registerTrainingBackend(nodeGpuCandidate, 300);
  registerTrainingBackend(nodeCandidate, 200);
  registerTrainingBackend(wasmCandidate, 100);
}

export async function selectTrainingBackend(opts: SelectTrainingBackendOptions = {}): Promise<SelectedTrainingBackend> {
  const log = opts.log ?? (() => {});
  const ctx: CandidateContext = {
    log,
    importModule: opts.importModule ?? ((spec) => import(/* @vite-ignore */ spec)),
    gpuAvailable: opts.gpuAvailable ?? probeGpu,
  };
  let order = [...registry.values()].sort((a, b) => b.priority - a.priority);
  if (opts.prefer != null) {
    const want = PREFERENCE[opts.prefer];
    if (want == null) throw new Error(`unknown backend preference '${String(opts.prefer)}' (use 'node-gpu', 'node' or 'wasm')`);
    order = [...order.filter((e) => e.candidate.name === want), ...order.filter((e) => e.candidate.name !== want)];
  }
  const reasons: string[] = [];
  for (const entry of order) {
    const { name } = entry.candidate;
    try {
      entry.init ??= entry.candidate.init(ctx);
      const { tf, threads } = await entry.init;
      if (tf.getBackend() !== entry.candidate.tfBackendName && !(await tf.setBackend(entry.candidate.tfBackendName))) {
        throw new Error(`tf.setBackend('${entry.candidate.tfBackendName}') failed`);
      }
      log(`training backend: ${name} (${threads} kernel thread${threads === 1 ? '' : 's'} per training thread)`);
      return { name, tf, threads, reasons };
    } catch (err) {
      const reason = `${name}: ${errorMessage(err)}`;
      reasons.push(reason);
      log(`training backend ${reason}`);
    }
  }
  throw new Error(`no training backend is usable:\n${reasons.map((r) => `  - ${r}`).join('\n')}`);
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      const m = /['"]((?:@[^/'"]+\/)?[^/'"]+)/.exec(err.message);
      return `package ${m?.[1] ?? ''} is not installed (${code})`.replace('package  is', 'package is');
    }
    return err.message.split('\n')[0];
  }
  return String(err);
}

/** null when an NVIDIA GPU looks usable, else the reason it does not. */
export function probeGpu(): string | null {
  if (process.platform !== 'linux') return `tfjs-node-gpu needs Linux with CUDA (platform is ${process.platform})`;
  if (existsSync('/proc/driver/nvidia/version') || existsSync('/dev/nvidia0') || existsSync('/dev/nvidiactl')) return null;
  return 'no NVIDIA GPU/driver found (/proc/driver/nvidia/version, /dev/nvidia0 missing)';
}

async function loadNative(ctx: CandidateContext, spec: string): Promise<Tfjs> {
  const mod = (await ctx.importModule(spec)) as { default?: unknown };
  // CommonJS packages arrive as { default: exports, ...named }.
  const tf = ((mod.default as Tfjs | undefined)?.setBackend != null ? mod.default : mod) as Tfjs;
  if (typeof tf.setBackend !== 'function') throw new Error(`${spec} did not export a tfjs namespace`);
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${spec} loaded but tf.setBackend('tensorflow') failed`);
  await tf.ready();
  return tf;
}

function cpuThreads(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

const nodeGpuCandidate: TrainingBackendCandidate = {
  name: 'tfjs-node-gpu',
  tfBackendName: 'tensorflow',
  async init(ctx) {
    const noGpu = ctx.gpuAvailable();
    if (noGpu != null) throw new Error(noGpu);
    const tf = await loadNative(ctx, '@tensorflow/tfjs-node-gpu');
    const b = tf.backend() as { isUsingGpuDevice?: boolean };
    if (b.isUsingGpuDevice === false) throw new Error('@tensorflow/tfjs-node-gpu loaded but TensorFlow found no usable GPU (CUDA/cuDNN missing?)');
    return { tf, threads: cpuThreads() };
  },
};

const nodeCandidate: TrainingBackendCandidate = {
  name: 'tfjs-node',
  tfBackendName: 'tensorflow',
  async init(ctx) {
    const tf = await loadNative(ctx, '@tensorflow/tfjs-node');
    return { tf, threads: cpuThreads() };
  },
};

const wasmCandidate: TrainingBackendCandidate = {
  name: 'wasm',
  tfBackendName: 'wasm',
  async init(ctx) {
    const tf = (await import('@tensorflow/tfjs-core')) as Tfjs;
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const { registerWasmTrainingKernels } = await import('../kernels/register.ts');
    await ensureTfjsGradients();
    const summary = registerWasmTrainingKernels();
    if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed (wasm binary not loadable?)");
    await tf.ready();
    selfTest(tf);
    const threads = typeof wasm.getThreadsCount === 'function' ? wasm.getThreadsCount() : 1;
    ctx.log(`wasm training kernels: added ${summary.added.join(', ') || '-'}; fast paths ${summary.overridden.join(', ') || '-'}; gradients ${summary.gradients.join(', ') || '-'}`);
    return { tf, threads: Math.max(1, threads) };
  },
};

/** A tiny conv → depthwise → relu6 gradient, so a broken kernel fails selection, not training. */
function selfTest(tf: Tfjs): void {
  tf.tidy(() => {
    const x = tf.fill([1, 3, 3, 2], 0.1) as Tensor4D; // small: relu6 must not saturate
    const w = tf.ones([1, 1, 2, 2]) as Tensor4D;
    const d = tf.ones([3, 3, 2, 1]) as Tensor4D;
    const loss = (a: Tensor, b: Tensor) => tf.sum(tf.relu6(tf.depthwiseConv2d(tf.conv2d(x, a as Tensor4D, 1, 'same'), b as Tensor4D, 1, 'same')));
    const g = tf.grads(loss)([w, d]);
    const v = g.map((t) => t.dataSync()[0]);
    if (!v.every((n) => Number.isFinite(n) && n !== 0)) throw new Error(`wasm gradient self-test failed (${v.join(', ')})`);
  });
}

resetTrainingBackends();
