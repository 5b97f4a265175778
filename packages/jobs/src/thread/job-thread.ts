/**
 * Runs one executor of the `executors` table inside a worker thread (see run-in-thread.ts).
 * Progress and log lines go to the parent as messages; the parent's abort request is a shared
 * flag that `onProgress` checks synchronously, so it works even while this thread is busy.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { executors } from '../executors.ts';
import type { FromThread, ThreadJob } from './messages.ts';

const job = workerData as ThreadJob;
const flag = new Int32Array(job.abortFlag);
const post = (m: FromThread) => parentPort!.postMessage(m);

class Aborted extends Error {
  override readonly name = 'Aborted';
}

try {
  const executor = executors[job.type];
  if (!executor) throw new Error(`no executor for job type '${job.type}' in the job thread`);
  const result = await executor.run({
    teacherPath: job.teacherPath,
    datasetPath: job.datasetPath,
    outDir: job.outDir,
    options: job.options,
    onProgress: (p) => {
      if (Atomics.load(flag, 0) !== 0) throw new Aborted('aborted by the worker');
      post({ kind: 'progress', progress: { stage: p.stage, step: p.step, done: p.done, total: p.total } });
    },
    log: (line) => post({ kind: 'log', line }),
    cancelled: () => Atomics.load(flag, 0) !== 0,
  });
  post({ kind: 'result', result });
} catch (e) {
  const err = e as Error & { code?: unknown };
  post({
    kind: 'error',
    aborted: err instanceof Aborted,
    name: err?.name ?? 'Error',
    code: typeof err?.code === 'string' ? err.code : null,
    message: err?.message ?? String(e),
    stack: err?.stack ?? null,
  });
}
