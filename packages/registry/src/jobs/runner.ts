/**
 * The `JobRunner` seam: how a queued job reaches compute. The API calls `dispatch` after a job is
 * queued and `cancel` after a cancel is requested; the job document in the store stays the only
 * source of truth, so a runner may also do nothing and let workers poll.
 *
 * Implementations (packages/jobs): a child process started by `medslim serve`, an in-process
 * worker (tests), and AWS Batch (builds the SubmitJob request; the deploy issue wires the client).
 */
import type { JobDoc } from './types.ts';

export interface JobRunner {
  /** A short name for logs, e.g. `local-process`, `in-process`, `aws-batch`. */
  readonly name: string;
  /** A job was queued. Must not throw for transient trouble: the job stays queued for a poller. */
  dispatch(job: JobDoc): Promise<void>;
  /** A cancel was requested for a running job (the worker also sees the flag in the job document). */
  cancel?(job: JobDoc): Promise<void>;
  /** Stop whatever the runner started (child processes, loops). */
  close?(): Promise<void>;
}

/** A runner that does nothing: jobs wait in the queue for a worker that polls (`medslim worker`). */
export const pollingOnlyRunner: JobRunner = {
  name: 'polling-only',
  async dispatch() {},
};
