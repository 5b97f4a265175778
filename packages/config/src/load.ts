/** `loadConfig`: every part of medslim's configuration from one environment, read once. */
import { apiConfig, type ApiConfig } from './api.ts';
import { inferenceConfig, type HostFacts, type InferenceConfig } from './inference.ts';
import { jobRunnerConfig, type JobRunnerConfig } from './jobs.ts';
import type { Env } from './read.ts';
import { readSstLinks, type SstLinks } from './sst-links.ts';
import { storeConfig, type StoreConfig } from './store.ts';

/** Where this process runs: an AWS Lambda function, an AWS Batch job, or anywhere else. */
export type Runtime = 'lambda' | 'batch' | 'local';

/** The whole configuration. Each part is also loadable on its own (`storeConfig`, …). */
export interface MedslimConfig {
  runtime: Runtime;
  store: StoreConfig;
  jobs: JobRunnerConfig;
  inference: InferenceConfig;
  api: ApiConfig;
  /** The SST links that were visible (names only; values may be secret). */
  links: string[];
}

/** Injectables for tests. */
export interface LoadOptions extends Partial<HostFacts> {
  /** Reads `SST_KEY_FILE` (default `fs.readFileSync`). */
  readFile?: (path: string) => Uint8Array;
}

/**
 * Read everything from `env` (default `process.env`) and the SST links it carries.
 * @example
 *   const { store, jobs } = loadConfig();
 *   const blobs = createBlobStore(parseStoreUrl(store.url));
 * @throws ConfigError naming the variable of the first malformed value.
 */
export function loadConfig(env: Env = process.env, options: LoadOptions = {}): MedslimConfig {
  const links: SstLinks = readSstLinks(env, options.readFile);
  const store = storeConfig(env, links);
  return {
    runtime: env.AWS_LAMBDA_FUNCTION_NAME ? 'lambda' : env.AWS_BATCH_JOB_ID ? 'batch' : 'local',
    store,
    jobs: jobRunnerConfig(env, links),
    inference: inferenceConfig(env, { arch: options.arch ?? process.arch }),
    api: apiConfig(env, links, store),
    links: Object.keys(links).sort(),
  };
}

