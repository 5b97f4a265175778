import { describe, expect, it } from 'vitest';
import type { JobDoc } from '@medslim/registry';
import { runnerFromEnv } from './config.ts';

describe('job runner from the environment (one interface: Batch when deployed, local workers otherwise)', () => {
  it('submits each job to AWS Batch when a queue and job definition are configured', async () => {
    const sent: Record<string, unknown>[] = [];
    const runner = runnerFromEnv({ MEDSLIM_BATCH_JOB_QUEUE: 'gpu-queue', MEDSLIM_BATCH_JOB_DEFINITION: 'compress:3' }, 's3://bucket/medslim', async (input) => {
      sent.push(input as Record<string, unknown>);
      return { jobId: 'b-1' };
    });
    expect(runner?.name).toBe('aws-batch');
    await runner!.dispatch({ id: 'job_1', tenant: 't', type: 'compress' } as unknown as JobDoc);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ jobQueue: 'gpu-queue', jobDefinition: 'compress:3' });
    expect(JSON.stringify(sent[0])).toContain('job_1');
    expect(JSON.stringify(sent[0])).toContain('s3://bucket/medslim');
  });

  it('leaves jobs to local workers when nothing is configured, and names a half-configured pair', () => {
    expect(runnerFromEnv({}, 'fs:/tmp/x')).toBeUndefined();
    expect(() => runnerFromEnv({ MEDSLIM_BATCH_JOB_QUEUE: 'q' }, 'fs:/tmp/x')).toThrowError(/MEDSLIM_BATCH_JOB_DEFINITION/);
  });
});
