/**
 * `AppDeps` from the environment (Lambda, containers):
 * - `MEDSLIM_STORE` (required): `s3://bucket/prefix?region=…` or `fs:<dir>`;
 * - `MEDSLIM_MAX_UPLOAD_BYTES` (optional): upload limit in bytes.
 * Downloads redirect to presigned URLs (Lambda responses are limited to 6 MB). Jobs go to AWS Batch
 * when `@medslim/config` finds a Batch queue and job definition (the SST link `GpuJobs`, or
 * MEDSLIM_BATCH_JOB_QUEUE + MEDSLIM_BATCH_JOB_DEFINITION); otherwise they wait in the store's queue for
 * `medslim worker` processes — one `JobRunner` interface either way.
 */
import { jobRunnerConfig, readSstLinks } from '@medslim/config';
import { createBlobStore, parseStoreUrl, type JobRunner } from '@medslim/registry';
import { AwsBatchRunner } from '@medslim/jobs/runners';
import type { AppDeps } from './app.ts';

/** A Batch `SubmitJob` sender; the SDK client is created once, on first use (module scope, as SDK v3 advises). */
let batchClient: Promise<{ send: (input: unknown) => Promise<{ jobId?: string; jobArn?: string }> }> | null = null;
function submitToBatch(input: unknown): Promise<{ jobId?: string; jobArn?: string }> {
  batchClient ??= import('@aws-sdk/client-batch').then(({ BatchClient, SubmitJobCommand }) => {
    const client = new BatchClient({});
    return { send: (i: unknown) => client.send(new SubmitJobCommand(i as ConstructorParameters<typeof SubmitJobCommand>[0])) };
  });
  return batchClient.then((c) => c.send(input));
}

/** The job runner the environment asks for: AWS Batch when configured, else none (workers poll the store). */
export function runnerFromEnv(env: NodeJS.ProcessEnv, storeUrl: string, submit = submitToBatch): JobRunner | undefined {
  const jobs = jobRunnerConfig(env, readSstLinks(env));
  if (jobs.kind !== 'batch') return undefined;
  return new AwsBatchRunner({ jobQueue: jobs.jobQueue, jobDefinition: jobs.jobDefinition, storeUrl, submit: submit as never });
}

/** @throws Error naming the variable when MEDSLIM_STORE is missing or the upload limit is not a positive integer. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AppDeps {
  const url = env.MEDSLIM_STORE;
  if (!url) throw new Error('MEDSLIM_STORE is not set (e.g. s3://my-bucket/medslim or fs:/var/lib/medslim/store)');
  const max = env.MEDSLIM_MAX_UPLOAD_BYTES;
  if (max !== undefined && !(Number.isSafeInteger(Number(max)) && Number(max) > 0)) {
    throw new Error(`MEDSLIM_MAX_UPLOAD_BYTES must be a positive integer number of bytes (got '${max}')`);
  }
  const runner = runnerFromEnv(env, url);
  // The deployed console is a static site on another origin; bearer keys (no cookies) make '*' safe.
  const cors = env.MEDSLIM_CORS_ORIGINS ?? '*';
  return {
    corsOrigins: cors === '*' ? '*' : cors.split(',').map((o) => o.trim()).filter(Boolean),
    store: createBlobStore(parseStoreUrl(url)),
    ...(runner ? { runner } : {}),
    ...(max !== undefined ? { maxUploadBytes: Number(max) } : {}),
    redirectDownloads: true,
  };
}
