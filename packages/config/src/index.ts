/**
 * @medslim/config — the one place medslim reads configuration: SST `Resource` links on AWS,
 * environment variables and defaults locally. Every malformed value fails with a `ConfigError`
 * that names the variable. No dependencies, no AWS imports.
 */
/** Everything at once, and a log line of it. */
export { loadConfig, type MedslimConfig, type LoadOptions, type Runtime } from './load.ts';
/** The store: S3 bucket (MEDSLIM_STORE, MEDSLIM_BUCKET, SST link Store) or a local directory. */
export { storeConfig, deployedStoreConfig, type StoreConfig } from './store.ts';
/** The job runner: AWS Batch (MEDSLIM_BATCH_JOB_QUEUE/…DEFINITION, SST link GpuJobs) or the local worker. */
export { jobRunnerConfig, type JobRunnerConfig } from './jobs.ts';
/** The inference function: memory, architecture, ORT threads, limits, prices (MEDSLIM_INFER_*). */
export { inferenceConfig, parsePreload, type InferenceConfig, type HostFacts, type PreloadTarget } from './inference.ts';
/** Browser origins allowed to call the deployed functions (MEDSLIM_CORS_ORIGINS). */
export { corsOrigins } from './cors.ts';
/** The API: host, port, admin key (MEDSLIM_ADMIN_KEY, SST secret AdminKey), upload limit. */
export { apiConfig, MIN_ADMIN_KEY_LENGTH, type ApiConfig } from './api.ts';
/** SST links as SST v3 exposes them (SST_RESOURCE_*, SST_RESOURCES_JSON, SST_KEY + SST_KEY_FILE). */
export { readSstLinks, linkString, type SstLinks } from './sst-links.ts';
/** The link names sst.config.ts gives its components. */
export { LINK } from './links.ts';
/** Lambda list prices and vCPUs per memory size. */
export { LAMBDA_PRICE_PER_GB_SECOND, LAMBDA_PRICE_PER_REQUEST, vcpusForMemory, type Architecture } from './prices.ts';
/** Typed environment readers, for settings not covered here. */
export { readString, readInt, readNumber, readEnum, type Env } from './read.ts';
/** The error. */
export { ConfigError } from './errors.ts';
