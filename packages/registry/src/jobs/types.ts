/** The job document (`jobs/{id}/job.json`) and its parts. */
import type { InputRef } from '../versions.ts';
import type { Actor } from '../principal.ts';

/** Life of a job: queued → running → succeeded | failed | cancelled (a queued job may be cancelled directly). */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** True for the statuses a job never leaves. */
export const isTerminal = (s: JobStatus): boolean => s === 'succeeded' || s === 'failed' || s === 'cancelled';

/** Where a running job is, as shown to clients. */
export interface JobProgressState {
  stage: string;
  step: string;
  /** Units done and total of the current step (batches, images, files). */
  done: number;
  total: number;
  /** Whole job, 0 … 100. */
  percent: number;
  /** Estimated seconds left, or null before there is enough progress to estimate. */
  etaSeconds: number | null;
}

/** Why a job failed or was cancelled. */
export interface JobFailure {
  /** Stable code: the pipeline error's code (e.g. NOT_ONNX, SIZE_MISMATCH), WORKER_LOST, CANCELLED, INTERNAL … */
  code: string;
  message: string;
  /** Error class name when it came from an exception (OnnxError, DataError, JobError, QuantizeError, …). */
  name: string | null;
}

/** The worker holding a running job and its lease. */
export interface JobLease {
  workerId: string;
  host: string;
  pid: number;
  /** ISO time after which the job counts as abandoned unless the lease is renewed. */
  leaseUntil: string;
  heartbeatAt: string;
}

/** What to run: the job type, the model that receives the version, the inputs and the resolved options. */
export interface JobSpec {
  type: string;
  model: string;
  teacher: InputRef;
  dataset: InputRef;
  preset: string | null;
  /** Preset merged with the request's options: exactly what the worker passes on. */
  options: Record<string, unknown>;
}

/** `jobs/{id}/job.json`. */
export interface JobDoc extends JobSpec {
  id: string;
  tenant: string;
  status: JobStatus;
  createdAt: string;
  createdBy: Actor;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  progress: JobProgressState | null;
  cancelRequested: { at: string; by: Actor } | null;
  lease: JobLease | null;
  attempts: number;
  error: JobFailure | null;
  /** The version registered by a succeeded job. */
  result: { model: string; version: number } | null;
}
