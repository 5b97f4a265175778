/** Who runs compression jobs: AWS Batch GPU jobs when deployed, the local worker otherwise. */
import { ConfigError } from './errors.ts';
import { LINK } from './links.ts';
import { readString, type Env } from './read.ts';
import { linkString, type SstLinks } from './sst-links.ts';

/**
 * The job runner. `batch`: submit one AWS Batch job per medslim job to `jobQueue` with
 * `jobDefinition` (names or ARNs; the container runs `medslim worker --job <id>`). `local`: the
 * worker process of `medslim serve` (or `medslim worker`) polls the store.
 */
export type JobRunnerConfig =
  | { kind: 'batch'; jobQueue: string; jobDefinition: string; source: string }
  | { kind: 'local'; source: string };

/**
 * From `MEDSLIM_BATCH_JOB_QUEUE` + `MEDSLIM_BATCH_JOB_DEFINITION` (both or neither), else the SST
 * link `GpuJobs` (`{ jobQueue, jobDefinition }`), else local.
 * @throws ConfigError naming the missing variable when only one of the pair is set.
 */
export function jobRunnerConfig(env: Env, links: SstLinks): JobRunnerConfig {
  const queue = readString(env, 'MEDSLIM_BATCH_JOB_QUEUE');
  const definition = readString(env, 'MEDSLIM_BATCH_JOB_DEFINITION');
  if (queue !== undefined || definition !== undefined) {
    if (queue === undefined) throw new ConfigError('MEDSLIM_BATCH_JOB_QUEUE', 'MEDSLIM_BATCH_JOB_QUEUE is not set but MEDSLIM_BATCH_JOB_DEFINITION is: set both to run jobs on AWS Batch, or neither');
    if (definition === undefined) throw new ConfigError('MEDSLIM_BATCH_JOB_DEFINITION', 'MEDSLIM_BATCH_JOB_DEFINITION is not set but MEDSLIM_BATCH_JOB_QUEUE is: set both to run jobs on AWS Batch, or neither');
    return { kind: 'batch', jobQueue: queue, jobDefinition: definition, source: 'MEDSLIM_BATCH_JOB_QUEUE' };
  }
  if (links[LINK.gpuJobs] !== undefined) {
    return {
      kind: 'batch',
      jobQueue: linkString(links, LINK.gpuJobs, 'jobQueue')!,
      jobDefinition: linkString(links, LINK.gpuJobs, 'jobDefinition')!,
      source: `SST link ${LINK.gpuJobs}`,
    };
  }
  return { kind: 'local', source: 'default' };
}
