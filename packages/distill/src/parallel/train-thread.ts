/**
 * A gradient worker of the data-parallel trainer (pool.ts): its own tfjs-core + wasm backend with medslim's
 * training kernels, a copy of the student whose weights it reads from shared memory at every step, and
 * `shardGradients` over its rows of the shared batch, written into its slot of the shared gradient buffer.
 * Messages in: { type: 'step', a, b, m } and { type: 'close' }; out: { type: 'ready' }, { type: 'done', lossSum, bn, times }
 * (times: message received, weights set, gradients done — `clock` ms),
 * { type: 'error', message }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { selectTrainingBackend } from '../backend/select.ts';
import type { StudentConfig } from '../student/config.ts';
import { initStudent } from '../student/params.ts';
import type { KdLossConfig } from '../loss.ts';
import { clock, shardGradients, writeWeights, type SharedBatch } from './shard.ts';

export interface WorkerInit {
  config: StudentConfig;
  kd: KdLossConfig;
  micro: number;
  slot: number;
  height: number;
  width: number;
  channels: number;
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
  t: SharedArrayBuffer | null;
  weights: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  paramSize: number;
}

const init = workerData as WorkerInit;
const port = parentPort!;
try {
  await selectTrainingBackend({ prefer: 'wasm' });
  const params = initStudent(init.config, 0); // overwritten from shared memory before every step
  const batch: SharedBatch = {
    x: new Float32Array(init.x), y: new Int32Array(init.y), t: init.t ? new Float32Array(init.t) : null,
    height: init.height, width: init.width, channels: init.channels,
  };
  const weights = new Float32Array(init.weights);
  const acc = new Float32Array(init.grads, init.slot * init.paramSize * 4, init.paramSize);
  port.on('message', (msg: { type: 'step'; a: number; b: number; m: number } | { type: 'close' }) => {
    if (msg.type === 'close') { port.close(); return; }
    try {
      const t0 = clock();
      writeWeights(params, weights);
      const t1 = clock();
      const r = shardGradients(init.config, params, batch, msg.a, msg.b, msg.m, init.micro, init.kd, acc);
      port.postMessage({ type: 'done', lossSum: r.lossSum, bn: r.bn, times: [t0, t1, clock()] });
    } catch (err) {
      port.postMessage({ type: 'error', message: err instanceof Error ? `${err.message}` : String(err) });
    }
  });
  port.postMessage({ type: 'ready' });
} catch (err) {
  port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}
