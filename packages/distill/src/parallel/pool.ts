/**
 * Synchronous data-parallel training over worker_threads (issue 15).
 *
 * Design: the main thread keeps the one true copy of the student, the optimizer state and the BatchNorm running
 * statistics. Every step it (1) assembles the augmented batch into shared memory (SharedArrayBuffer: images,
 * labels, teacher logits — workers read their rows in place, nothing is copied per step through messages),
 * (2) writes the current trainable weights into a shared weight vector, (3) splits the batch into N contiguous
 * shards (sizes ⌈m/N⌉ or ⌊m/N⌋, the larger ones first) and asks workers 1…N−1 for their shards' gradients while
 * it computes shard 0 itself, (4) sums the shard gradients in shard order 0, 1, …, N−1 (so a run is
 * deterministic for a given N), and (5) applies the optimizer update and the running-statistics update once.
 * Each worker runs its own tfjs-core + wasm backend (one thread each: N threads use N cores).
 *
 * Each shard is computed in micro-batches of at most `micro` images whose gradients are accumulated with weight
 * m_c/m (gradient accumulation), so the wasm heap only ever holds one micro-batch's activations.
 *
 * BatchNorm: in training mode every micro-batch normalizes with its own batch statistics (per-shard BN, as
 * PyTorch DDP without SyncBatchNorm): with N threads or micro-batching the forward pass differs from a single
 * full-batch pass, the same way it would across GPUs. The running statistics used at evaluation are updated once
 * per step from the micro-batch statistics pooled over the whole batch (`poolBnStats`), i.e. exactly the
 * full-batch statistics. With N = 1 and the batch in one micro-batch the step is the plain single-thread step.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { KdLossConfig } from '../loss.ts';
import type { StudentConfig } from '../student/config.ts';
import type { StudentParams } from '../student/params.ts';
import { clock, poolBnStats, readWeights, shardGradients, trainableLayout, writeWeights, type BnStat, type FlatLayout, type SharedBatch } from './shard.ts';
import type { WorkerInit } from './train-thread.ts';

/** Threads to train with when none is asked for: the cores Node may use (os.availableParallelism). */
export function defaultTrainingThreads(): number {
  return Math.max(1, typeof availableParallelism === 'function' ? availableParallelism() : 1);
}

/** Shard boundaries of a batch of m rows over n threads: [a, b) per shard, larger shards first. */
export function shardBounds(m: number, n: number): [number, number][] {
  const base = Math.floor(m / n), extra = m % n;
  const out: [number, number][] = [];
  let a = 0;
  for (let i = 0; i < n; i++) {
    const size = base + (i < extra ? 1 : 0);
    out.push([a, a + size]);
    a += size;
  }
  return out;
}

export interface StepResult {
  /** Σ over shards (in shard order) of their accumulated gradients: the flat gradient of the batch-mean loss. */
  grad: Float32Array;
  /** Σ of micro-batch mean losses × images. */
  lossSum: number;
  /** BatchNorm statistics pooled over the whole batch, one per layer in forward order. */
  bn: BnStat[];
}

export interface GradientPool {
  threads: number;
  /** Micro-batch size (images per forward/backward pass). */
  micro: number;
  layout: FlatLayout;
  /** Shared batch buffers the caller fills before `step` (capacity: the batch size). */
  batch: SharedBatch;
  /**
   * The one true copy of the trainable weights (flat layout, shared with every worker): read from `params` when
   * the pool starts; the caller's optimizer updates it in place between steps, and `step` copies it into every
   * thread's student first. Copy it into `params` (`writeWeights`) before using `params` outside `step`.
   */
  weights: Float32Array;
  /**
   * One synchronous data-parallel gradient computation over the first m rows of `batch` at `weights` (the
   * main thread's `params` are set from `weights` first). The returned gradient is valid until the next step.
   */
  step(params: StudentParams, m: number): Promise<StepResult>;
  /** Stops the workers. */
  close(): Promise<void>;
}

/**
 * Timeline of one pool step (ms on `clock`, shared by all threads): what the main thread did when, and when each
 * worker received the step, had set its weights, finished its gradients, and when its answer reached the main thread.
 */
export interface StepTrace {
  /** `step` entered; the workers asked; main's weights set; main's shard done; every answer in; gradients summed. */
  start: number; posted: number; weightsSet: number; mainDone: number; answered: number; end: number;
  workers: { received: number; weightsSet: number; done: number; answerSeen: number }[];
}

type Answer = { lossSum: number; bn: BnStat[][]; times?: number[]; seen?: number };
interface Pending { resolve: (r: Answer) => void; reject: (e: Error) => void }

export interface GradientPoolOptions {
  config: StudentConfig;
  params: StudentParams;
  kd: KdLossConfig;
  threads: number;
  micro: number;
  batchSize: number;
  height: number;
  width: number;
  channels: number;
  withTeacher: boolean;
  /** Receives every step's timeline (benchmarks: bench/train-timeline.ts). */
  trace?: (t: StepTrace) => void;
}

/**
 * Starts N − 1 gradient workers (the main thread is the N-th) and allocates the shared buffers.
 * @throws Error when a worker fails to start (its message).
 */
export async function createGradientPool(o: GradientPoolOptions): Promise<GradientPool> {
  const layout = trainableLayout(o.params);
  const per = o.height * o.width * o.channels;
  const k = o.config.numClasses;
  const sab = (bytes: number) => new SharedArrayBuffer(Math.max(4, bytes));
  const xs = sab(o.batchSize * per * 4), ys = sab(o.batchSize * 4), ts = o.withTeacher ? sab(o.batchSize * k * 4) : null;
  const weightsBuf = sab(layout.size * 4), gradsBuf = sab(o.threads * layout.size * 4);
  const batch: SharedBatch = { x: new Float32Array(xs), y: new Int32Array(ys), t: ts ? new Float32Array(ts) : null, height: o.height, width: o.width, channels: o.channels };
  const weights = new Float32Array(weightsBuf);
  readWeights(o.params, weights);
  const slots = Array.from({ length: o.threads }, (_, i) => new Float32Array(gradsBuf, i * layout.size * 4, layout.size));
  const sum = o.threads > 1 ? new Float32Array(layout.size) : slots[0];
  const workers: Worker[] = [];
  const pending: (Pending | null)[] = [];
  let failure: Error | null = null;
  const entry = new URL('./train-worker.mjs', import.meta.url);
  try {
    await Promise.all(Array.from({ length: o.threads - 1 }, (_, j) => new Promise<void>((resolve, reject) => {
      const init: WorkerInit = {
        config: o.config, kd: o.kd, micro: o.micro, slot: j + 1, height: o.height, width: o.width, channels: o.channels,
        x: xs, y: ys, t: ts, weights: weightsBuf, grads: gradsBuf, paramSize: layout.size,
      };
      const w = new Worker(entry, { workerData: init });
      workers.push(w);
      pending.push(null);
      const idx = workers.length - 1;
      let ready = false;
      w.on('message', (msg: { type: 'ready' } | { type: 'done'; lossSum: number; bn: BnStat[][]; times: number[] } | { type: 'error'; message: string }) => {
        if (msg.type === 'ready') { ready = true; resolve(); return; }
        const p = pending[idx];
        pending[idx] = null;
        if (msg.type === 'error') {
          const e = new Error(`training worker ${idx + 1}: ${msg.message}`);
          if (!ready) reject(e); else if (p) p.reject(e); else failure = e;
        } else p?.resolve({ lossSum: msg.lossSum, bn: msg.bn, times: msg.times, seen: clock() });
      });
      const dead = (e: Error) => {
        failure = e;
        if (!ready) reject(e);
        pending[idx]?.reject(e);
        pending[idx] = null;
      };
      w.on('error', (e) => dead(new Error(`training worker ${idx + 1} failed: ${e.message}`)));
      w.on('exit', (code) => { if (code !== 0) dead(new Error(`training worker ${idx + 1} exited with code ${code}`)); });
    })));
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  }
  let closed = false;
  return {
    threads: o.threads, micro: o.micro, layout, batch, weights,
    async step(params, m) {
      if (failure) throw failure;
      const start = o.trace ? clock() : 0;
      // Workers first (they read `weights` themselves), then the main thread's own copy: the workers start
      // their shards while the main thread sets its weights.
      const bounds = shardBounds(m, o.threads);
      const waits = workers.map((w, j) => {
        const [a, b] = bounds[j + 1];
        if (b <= a) return Promise.resolve<Answer>({ lossSum: 0, bn: [] });
        return new Promise<Answer>((resolve, reject) => {
          pending[j] = { resolve, reject };
          w.postMessage({ type: 'step', a, b, m });
        });
      });
      // The main thread's own shard, while the workers compute theirs.
      const posted = o.trace ? clock() : 0;
      let mine: { lossSum: number; bn: BnStat[][] };
      let weightsSet = 0, mainDone = 0;
      try {
        writeWeights(params, weights);
        weightsSet = o.trace ? clock() : 0;
        mine = bounds[0][1] > bounds[0][0] ? shardGradients(o.config, params, batch, bounds[0][0], bounds[0][1], m, o.micro, o.kd, slots[0]) : (slots[0].fill(0), { lossSum: 0, bn: [] });
      } finally {
        mainDone = o.trace ? clock() : 0;
        // Never leave a worker's answer unobserved.
        await Promise.allSettled(waits);
      }
      const rest = await Promise.all(waits);
      const answered = o.trace ? clock() : 0;
      const grad = sum;
      let lossSum = mine.lossSum;
      const chunks = [...mine.bn];
      if (o.threads > 1) {
        grad.set(slots[0]);
        rest.forEach((r, j) => {
          if (bounds[j + 1][1] <= bounds[j + 1][0]) return;
          const g = slots[j + 1];
          for (let i = 0; i < grad.length; i++) grad[i] += g[i];
          lossSum += r.lossSum;
          chunks.push(...r.bn);
        });
      }
      const bn = poolBnStats(chunks);
      if (o.trace) {
        o.trace({
          start, posted, weightsSet, mainDone, answered, end: clock(),
          workers: rest.map((r) => ({ received: r.times?.[0] ?? NaN, weightsSet: r.times?.[1] ?? NaN, done: r.times?.[2] ?? NaN, answerSeen: r.seen ?? NaN })),
        });
      }
      return { grad, lossSum, bn };
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const w of workers) w.postMessage({ type: 'close' });
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
