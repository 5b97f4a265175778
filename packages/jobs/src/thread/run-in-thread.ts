/**
 * Run an executor of the `executors` table in a worker thread.
 *
 * Why: onnxruntime-node runs each inference synchronously (inside a setImmediate), so a job on the
 * worker's own thread leaves its event loop one turn per batch — heartbeats, progress writes and
 * cancel checks would crawl (a lease renewal measured 45 s on ResNet-18). In a thread the job
 * cannot starve them. An abort sets a shared flag the thread checks at every progress event; if the
 * thread is inside a long step with no events (a latency benchmark), it is terminated after
 * `graceMs`.
 */
import { Worker as Thread } from 'node:worker_threads';
import type { ExecutorContext, ExecutorResult } from '../executors.ts';
import type { FromThread, ThreadJob } from './messages.ts';

/** An error thrown in the job thread, rebuilt with its name and code (so failures classify as they would inline). */
export class ThreadError extends Error {
  constructor(
    override readonly name: string,
    readonly code: string | undefined,
    message: string,
    threadStack: string | null,
  ) {
    super(message);
    if (threadStack) this.stack = threadStack;
  }
}

/**
 * Run `type` in a thread with `ctx`'s paths and options; `ctx.onProgress` gets every progress event
 * and may throw to abort (its error is what this rejects with).
 * @param pendingAbort polled every 100 ms: a non-null value aborts the job between progress events too
 *   (a cancel seen by a heartbeat during a long step), and is what this rejects with.
 * @param graceMs how long an aborted thread may take to reach its next progress event before it is terminated.
 */
export function runInThread(
  type: string,
  ctx: ExecutorContext,
  pendingAbort: () => unknown = () => null,
  graceMs = 5_000,
): Promise<ExecutorResult> {
  const abortFlag = new SharedArrayBuffer(4);
  const flag = new Int32Array(abortFlag);
  const data: ThreadJob = { type, teacherPath: ctx.teacherPath, datasetPath: ctx.datasetPath, outDir: ctx.outDir, options: ctx.options, abortFlag };
  const thread = new Thread(new URL('./entry.mjs', import.meta.url), { workerData: data });
  return new Promise((resolve, reject) => {
    let abortError: unknown = null;
    let settled = false;
    let killer: NodeJS.Timeout | undefined;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(killer);
      clearInterval(watch);
      f();
      void thread.terminate();
    };
    const abort = (e: unknown) => {
      if (abortError !== null) return;
      abortError = e;
      Atomics.store(flag, 0, 1);
      killer = setTimeout(() => finish(() => reject(abortError)), graceMs);
    };
    // The parent may decide to abort between events too (cancel seen by a heartbeat).
    const watch = setInterval(() => {
      const why = pendingAbort();
      if (why !== null && why !== undefined) abort(why);
    }, 100);
    thread.on('message', (m: FromThread) => {
      if (m.kind === 'progress') {
        if (abortError !== null) return;
        try {
          ctx.onProgress(m.progress);
        } catch (e) {
          abort(e);
        }
      } else if (m.kind === 'log') {
        ctx.log(m.line);
      } else if (m.kind === 'result') {
        finish(() => (abortError !== null ? reject(abortError) : resolve(m.result)));
      } else {
        finish(() => reject(abortError ?? new ThreadError(m.name, m.code ?? undefined, m.message, m.stack)));
      }
    });
    thread.on('error', (e) => finish(() => reject(abortError ?? e)));
    thread.on('exit', (code) => finish(() => reject(abortError ?? new Error(`the job thread exited with code ${code} before finishing`))));
  });
}
