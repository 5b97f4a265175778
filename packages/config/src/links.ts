/**
 * Names of the SST links medslim's functions read. `sst.config.ts` names its components with
 * these, so the deploy and the readers cannot drift apart: `new sst.aws.Bucket(LINK.store)` is
 * `Resource.Store` in a linked function.
 */
export const LINK = {
  /** The S3 bucket of uploads, artifacts and the registry: `{ name }`. */
  store: 'Store',
  /** The GPU job queue and job definition on AWS Batch: `{ jobQueue, jobDefinition }`. */
  gpuJobs: 'GpuJobs',
  /** The admin API key (an `sst.Secret`): `{ value }`. */
  adminKey: 'AdminKey',
} as const;
