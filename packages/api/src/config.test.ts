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

describe('CORS for the deployed console', () => {
  it('answers a preflight from another origin with the headers the console sends and reads', async () => {
    const { createApp } = await import('./app.ts');
    const { FsBlobStore } = await import('@medslim/registry');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const app = createApp({ store: new FsBlobStore(mkdtempSync(`${tmpdir()}/cors-`)), corsOrigins: ['https://console.example'] });
    const res = await app.request('/v1/models', { method: 'OPTIONS', headers: { origin: 'https://console.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,if-match' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://console.example');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('if-match');
    const plain = createApp({ store: new FsBlobStore(mkdtempSync(`${tmpdir()}/cors-`)) });
    const none = await plain.request('/v1/models', { headers: { origin: 'https://elsewhere.example' } });
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
  });
});
