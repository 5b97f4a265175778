/**
 * `AwsBatchRunner`: one AWS Batch job (a GPU container running `medslim worker --job <id>`) per
 * medslim job. This builds the `SubmitJobCommand` input of `@aws-sdk/client-batch`; the client
 * itself is injected as `submit` (the deploy issue wires it; this package adds no Batch SDK):
 *
 *   const batch = new BatchClient({});
 *   new AwsBatchRunner({ ..., submit: (input) => batch.send(new SubmitJobCommand(input)) })
 *
 * Cancel is left to the worker, which sees the job document's cancel flag at its next progress
 * event (a TerminateJob would kill it without recording why).
 */
import type { JobDoc, JobRunner } from '@medslim/registry';

/** The subset of Batch's `SubmitJobCommandInput` medslim sets (same field names and shapes). */
export interface SubmitJobInput {
  jobName: string;
  jobQueue: string;
  jobDefinition: string;
  containerOverrides: {
    command: string[];
    environment: { name: string; value: string }[];
    resourceRequirements: { type: 'GPU' | 'VCPU' | 'MEMORY'; value: string }[];
  };
  retryStrategy: { attempts: number };
  timeout: { attemptDurationSeconds: number };
  tags: Record<string, string>;
  propagateTags: boolean;
}

/** Options of `AwsBatchRunner`. */
export interface AwsBatchRunnerOptions {
  /** Batch job queue (name or ARN), e.g. a GPU queue. */
  jobQueue: string;
  /** Job definition (name, name:revision or ARN) whose image contains medslim. */
  jobDefinition: string;
  /** Sends the request, e.g. `(input) => batch.send(new SubmitJobCommand(input))`. */
  submit: (input: SubmitJobInput) => Promise<{ jobId?: string; jobArn?: string }>;
  /** Store URL the container reads and writes (`s3://bucket/prefix`), passed as MEDSLIM_STORE. */
  storeUrl: string;
  /** GPUs per job. Default 1. */
  gpus?: number;
  /** Hard limit per attempt, in seconds. Default 4 h. */
  timeoutSeconds?: number;
  /** Extra environment for the container. */
  environment?: Record<string, string>;
}

/** Build the SubmitJob request for `job` (pure; exported for tests and the deploy code). */
export function buildSubmitJobInput(job: JobDoc, opts: Omit<AwsBatchRunnerOptions, 'submit'>): SubmitJobInput {
  const env = { MEDSLIM_STORE: opts.storeUrl, MEDSLIM_JOB_ID: job.id, ...opts.environment };
  return {
    // Batch job names: letters, digits, '-' and '_', at most 128 characters.
    jobName: `medslim-${job.type}-${job.id}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 128),
    jobQueue: opts.jobQueue,
    jobDefinition: opts.jobDefinition,
    containerOverrides: {
      command: ['medslim', 'worker', '--job', job.id],
      environment: Object.entries(env).map(([name, value]) => ({ name, value })),
      resourceRequirements: [{ type: 'GPU', value: String(opts.gpus ?? 1) }],
    },
    // A retry would run a job whose first attempt the worker already recorded; the worker decides instead.
    retryStrategy: { attempts: 1 },
    timeout: { attemptDurationSeconds: opts.timeoutSeconds ?? 4 * 3600 },
    tags: { 'medslim:tenant': job.tenant, 'medslim:job': job.id, 'medslim:type': job.type },
    propagateTags: true,
  };
}

export class AwsBatchRunner implements JobRunner {
  readonly name = 'aws-batch';
  constructor(private readonly opts: AwsBatchRunnerOptions) {}

  /** Submit one Batch job for `job`. @throws whatever `submit` throws (the API records it in the job log). */
  async dispatch(job: JobDoc): Promise<void> {
    await this.opts.submit(buildSubmitJobInput(job, this.opts));
  }
}
