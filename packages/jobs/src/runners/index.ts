/**
 * `@medslim/jobs/runners` — the `JobRunner` implementations without the worker: what a process that
 * only queues jobs (the API Lambda) imports, so its bundle carries no pipeline, tfjs or distiller.
 */
/** A child process (`medslim serve`). */
export { LocalProcessRunner, type LocalProcessRunnerOptions, type WorkerMessage } from './local-process.ts';
/** AWS Batch: one `SubmitJob` per job (the request builder is exported for tests and the deploy check). */
export { AwsBatchRunner, buildSubmitJobInput, type AwsBatchRunnerOptions, type SubmitJobInput } from './aws-batch.ts';
