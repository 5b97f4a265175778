/**
 * `AppDeps` of the deployed API, every value read by @medslim/config (the one configuration reader):
 * the store (`MEDSLIM_STORE` = `s3://bucket/prefix?region=…` or `fs:<dir>`, `MEDSLIM_BUCKET`, or the
 * SST link `Store`; required), `MEDSLIM_MAX_UPLOAD_BYTES`, `MEDSLIM_CORS_ORIGINS`. Downloads redirect to presigned URLs (Lambda responses are limited to 6 MB). Jobs go to AWS Batch
 * when `@medslim/config` finds a Batch queue and job definition (the SST link `GpuJobs`, or
 * MEDSLIM_BATCH_JOB_QUEUE + MEDSLIM_BATCH_JOB_DEFINITION); otherwise they wait in the store's queue for
 * `medslim worker` processes — one `JobRunner` interface either way.
 */
import { apiConfig, deployedStoreConfig, jobRunnerConfig, readSstLinks, type Env } from '@medslim/config';
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
export function runnerFromEnv(env: Env, storeUrl: string, submit = submitToBatch): JobRunner | undefined {
  const jobs = jobRunnerConfig(env, readSstLinks(env));
  if (jobs.kind !== 'batch') return undefined;
  return new AwsBatchRunner({ jobQueue: jobs.jobQueue, jobDefinition: jobs.jobDefinition, storeUrl, submit: submit as never });
}

/**
 * `AppDeps` of the deployed API, from @medslim/config (`loadConfig`: environment and SST links).
 * @throws ConfigError naming the variable when nothing names a store (`deployedStoreConfig`) or a value is malformed.
 */
export function configFromEnv(env: Env = process.env): AppDeps {
  const links = readSstLinks(env);
  const store = deployedStoreConfig(env, links);
  const api = apiConfig(env, links, store);
  const runner = runnerFromEnv(env, store.url);
  return {
    corsOrigins: api.corsOrigins,
    store: createBlobStore(parseStoreUrl(store.url)),
    ...(runner ? { runner } : {}),
    maxUploadBytes: api.maxUploadBytes,
    // Lambda responses stop at 6 MB: downloads redirect to presigned store URLs.
    redirectDownloads: true,
  };
}
