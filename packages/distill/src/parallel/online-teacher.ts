import { Worker } from 'node:worker_threads';
import type { InputContract, ModelInterface } from '@medslim/contracts';
import type { OnlineTeacher } from '../train.ts';

export interface OnlineTeacherOptions {
  /** Teacher ONNX bytes (self-contained). */
  model: Uint8Array;
  /**
   * How to feed and read the teacher — its resolved interface from @medslim/intake (`resolveModelInterface` on
   * the training data): input name, element type, layout, fixed batch and contract; class-score output and kind.
   */
  iface: ModelInterface;
  /** The contract the training images are in (the student's, e.g. intake's `studentContract(iface)`). */
  contract: InputContract;
  /** onnxruntime intra-op threads of the teacher's session (default 1: training threads use the other cores). */
  intraOpNumThreads?: number;
}

/** An online teacher that must be closed (it owns a thread). */
export interface ClosableOnlineTeacher extends OnlineTeacher {
  close(): Promise<void>;
}

/**
 * Runs an ONNX teacher with onnxruntime-node in its own worker thread, one batch per call, for online
 * distillation (TrainData.teacher = { online }): training requests batch s+1's scores before computing step s,
 * so the teacher's forward pass overlaps the student's step. Images travel as NHWC float32 [n, H, W, C] in
 * `contract` (copied once per call into the thread); there they go through the one model interface of
 * @medslim/intake — converted to the teacher's contract, element type (raw pixels for an integer input), layout
 * and batch (a fixed batch of 1 runs image by image) — and its class scores are read as logits-equivalents
 * (probabilities and log-probabilities become log-probabilities: the teacher logits of knowledge distillation).
 * Resolves to [n, K].
 * @throws Error when the session cannot be created (the model's message); a failed batch rejects its promise
 *   (IntakeError messages: INFERENCE_FAILED, BAD_SCORES, MODEL_OUTPUT).
 */
export async function createOnlineTeacher(o: OnlineTeacherOptions): Promise<ClosableOnlineTeacher> {
  if (o.iface.input.height === null || o.iface.input.width === null) {
    throw new Error('online teacher: the interface has no fixed height and width; resolve it on the training data (resolveModelInterface with the dataset)');
  }
  const worker = new Worker(new URL('./teacher-worker.mjs', import.meta.url), {
    workerData: { model: o.model, iface: o.iface, contract: o.contract, intraOpNumThreads: o.intraOpNumThreads ?? 1 },
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
        const copy = x.slice(0, n * (o.iface.input.height ?? 0) * (o.iface.input.width ?? 0) * o.iface.input.channels);
        worker.postMessage({ id, x: copy, n }, [copy.buffer]);
      });
    },
    async close() {
      worker.postMessage({ close: true });
      await worker.terminate();
    },
  };
}
