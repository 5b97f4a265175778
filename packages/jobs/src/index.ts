/** @medslim/jobs — the job runtime: the worker, the job-type table and the job runners. */
/** Claims queued jobs, runs them with progress, registers versions; recovers crashed jobs. */
export { Worker, redactPaths, type WorkerOptions } from './worker.ts';
/** The job types, one entry each: quantize and compress (distill runs from the CLI only). */
export { executors, type JobExecutor, type ExecutorContext, type ExecutorReport, type ExecutorResult } from './executors.ts';
/** Percent and ETA from pipeline progress events. */
export { ProgressTracker, type ProgressPlan, type PlanStep, type ProgressEvent } from './progress.ts';
/** Runners: a child process (medslim serve), in-process (tests), AWS Batch (request builder). */
export { LocalProcessRunner, type LocalProcessRunnerOptions, type WorkerMessage } from './runners/local-process.ts';
export { InProcessRunner } from './runners/in-process.ts';
export { AwsBatchRunner, buildSubmitJobInput, type AwsBatchRunnerOptions, type SubmitJobInput } from './runners/aws-batch.ts';
/** The janitor: removes crash leftovers no live job owns (scratch folders, unfinished store writes, unregistered versions). */
export { sweep, JANITOR_EVERY_MS, JANITOR_MIN_AGE_MS, type SweepResult } from './janitor.ts';
