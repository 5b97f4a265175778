/** What the worker and its job thread tell each other. */
import type { ExecutorResult } from '../executors.ts';
import type { ProgressEvent } from '../progress.ts';

/** `workerData` of a job thread. */
export interface ThreadJob {
  type: string;
  teacherPath: string;
  datasetPath: string;
  outDir: string;
  options: Record<string, unknown>;
  /** One Int32: 0 = keep going, 1 = abort at the next progress event. */
  abortFlag: SharedArrayBuffer;
}

/** Messages from the job thread. */
export type FromThread =
  | { kind: 'progress'; progress: ProgressEvent }
  | { kind: 'log'; line: string }
  | { kind: 'result'; result: ExecutorResult }
  | { kind: 'error'; aborted: boolean; name: string; code: string | null; message: string; stack: string | null };
