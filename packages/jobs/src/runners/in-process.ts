/** `InProcessRunner`: a `Worker` polling in this very process (tests, single-process set-ups). */
import type { JobDoc, JobRunner } from '@medslim/registry';
import type { Worker } from '../worker.ts';

export class InProcessRunner implements JobRunner {
  readonly name = 'in-process';

  /** Starts `worker`'s poll loop. */
  constructor(readonly worker: Worker) {
    worker.start();
  }

  /** Wake the worker: a job was queued. */
  async dispatch(): Promise<void> {
    this.worker.kick();
  }

  /** Abort the job at its next progress event if this worker runs it. */
  async cancel(job: JobDoc): Promise<void> {
    this.worker.notifyCancel(job.id);
  }

  /** Stop the worker (a running job is aborted and marked failed). */
  async close(): Promise<void> {
    await this.worker.stop();
  }
}
