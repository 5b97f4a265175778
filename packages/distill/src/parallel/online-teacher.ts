import { Worker } from 'node:worker_threads';
import type { OnlineTeacher } from '../train.ts';

export interface OnlineTeacherOptions {
  /** Teacher ONNX bytes: NCHW float32 input [N, C, H, W] in the contract the training images are in, logits [N, K]. */
  model: Uint8Array;
  height: number;
  width: number;
  channels: number;
  /** onnxruntime intra-op threads of the teacher's session (default 1: training threads use the other cores). */
  intraOpNumThreads?: number;
}

/** An online teacher that must be closed (it owns a thread). */
export interface ClosableOnlineTeacher extends OnlineTeacher {
  close(): Promise<void>;
}

/**
 * Runs an ONNX teacher with onnxruntime-node in its own worker thread, one batch per call, for online
 * distillation (TrainData.teacher = { online }): training requests batch s+1's logits before computing step s,
 * so the teacher's forward pass overlaps the student's step. Images travel as NHWC float32 [n, H, W, C] (copied
 * once per call into the thread) and are transposed to NCHW there; resolves to logits [n, K].
 * @throws Error when the session cannot be created (the model's message); a failed batch rejects its promise.
 */
export async function createOnlineTeacher(o: OnlineTeacherOptions): Promise<ClosableOnlineTeacher> {
  const worker = new Worker(new URL('./teacher-worker.mjs', import.meta.url), {
    workerData: { model: o.model, height: o.height, width: o.width, channels: o.channels, intraOpNumThreads: o.intraOpNumThreads ?? 1 },
  });
  const pending = new Map<number, { resolve: (l: Float32Array) => void; reject: (e: Error) => void }>();
  let failure: Error | null = null;
  const failAll = (e: Error) => {
    failure = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (msg: { ready?: true; id?: number; logits?: Float32Array; error?: string }) => {
      if (msg.ready) { resolve(); return; }
      if (msg.id === undefined) { const e = new Error(`online teacher: ${msg.error}`); failAll(e); reject(e); return; }
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error !== undefined) p?.reject(new Error(`online teacher: ${msg.error}`));
      else p?.resolve(msg.logits!);
    });
    worker.on('error', (e) => { const err = new Error(`online teacher thread failed: ${e.message}`); failAll(err); reject(err); });
    worker.on('exit', (code) => { if (code !== 0) { const err = new Error(`online teacher thread exited with code ${code}`); failAll(err); reject(err); } });
  });
  let next = 0;
  return {
    logits(x, n) {
      if (failure) return Promise.reject(failure);
      const id = next++;
      return new Promise<Float32Array>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        const copy = x.slice(0, n * o.height * o.width * o.channels);
        worker.postMessage({ id, x: copy, n }, [copy.buffer]);
      });
    },
    async close() {
      worker.postMessage({ close: true });
      await worker.terminate();
    },
  };
}
