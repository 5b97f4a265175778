/** The job document (`jobs/{id}/job.json`) and its parts: their schemas are in @medslim/contracts. */
import type { JobStatus } from '@medslim/contracts';

export type { JobDoc, JobFailure, JobLease, JobProgressState, JobSpec, JobStatus } from '@medslim/contracts';

/** True for the statuses a job never leaves. */
export const isTerminal = (s: JobStatus): boolean => s === 'succeeded' || s === 'failed' || s === 'cancelled';
