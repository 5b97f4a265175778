/** JobStore on the filesystem store (its conditional writes are enforced, also across processes). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../principal.ts';
import { FsBlobStore } from '../store/index.ts';
import { layout } from '../layout.ts';
import { JobStore } from './job-store.ts';
import type { JobSpec } from './types.ts';

const actor: Actor = { keyId: 'abcdef012345', name: 'ci', role: 'deployer' };
const ref = (upload: string) => ({ upload, sha256: 'a'.repeat(64), bytes: 1, filename: null });
const spec: JobSpec = { type: 'quantize', model: 'm', teacher: ref('up_t'), dataset: ref('up_d'), preset: null, options: {} };

let scratch: string;
let n = 0;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'medslim-jobs-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));
const fresh = () => {
  const store = new FsBlobStore(path.join(scratch, `j${++n}`), { fsync: false });
  return { store, jobs: new JobStore(store) };
};

describe('JobStore', () => {
  it('queues jobs, lists them per tenant (newest first) and hides other tenants', async () => {
    const { jobs } = fresh();
    const a = await jobs.create({ tenant: 'a', spec, createdBy: actor });
    const b = await jobs.create({ tenant: 'b', spec, createdBy: actor });
    const a2 = await jobs.create({ tenant: 'a', spec, createdBy: actor });
    expect(a).toMatchObject({ status: 'queued', tenant: 'a', type: 'quantize', attempts: 0, progress: null });
    expect((await jobs.listForTenant('a')).map((j) => j.id)).toEqual([a2.id, a.id]);
    expect((await jobs.listForTenant('b')).map((j) => j.id)).toEqual([b.id]);
    expect(await jobs.queuedIds()).toEqual([a.id, b.id, a2.id]);
    await expect(jobs.getForTenant('b', a.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(jobs.getForTenant('a', 'job_nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('claim is exclusive: of 6 concurrent claims exactly one wins', async () => {
    const { jobs } = fresh();
    const job = await jobs.create({ tenant: 'a', spec, createdBy: actor });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => jobs.claim(job.id, { workerId: `w${i}`, leaseMs: 10_000 })));
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    const doc = (await jobs.get(job.id))!.value;
    expect(doc).toMatchObject({ status: 'running', attempts: 1, lease: { workerId: winners[0]!.lease!.workerId } });
    expect(await jobs.queuedIds()).toEqual([]);
    expect(await jobs.runningIds()).toEqual([job.id]);
    expect(await jobs.claim(job.id, { workerId: 'late', leaseMs: 1 })).toBeNull();
  });

  it('cancel: a queued job at once; a running one by flag; a finished one is a CONFLICT', async () => {
    const { jobs } = fresh();
    const q = await jobs.create({ tenant: 'a', spec, createdBy: actor });
    const cancelled = await jobs.requestCancel('a', q.id, actor);
    expect(cancelled).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' }, cancelRequested: { by: actor } });
    expect(await jobs.queuedIds()).toEqual([]);
    expect(await jobs.claim(q.id, { workerId: 'w', leaseMs: 1000 })).toBeNull();

    const r = await jobs.create({ tenant: 'a', spec, createdBy: actor });
    await jobs.claim(r.id, { workerId: 'w', leaseMs: 10_000 });
    const flagged = await jobs.requestCancel('a', r.id, actor);
    expect(flagged).toMatchObject({ status: 'running', cancelRequested: { by: actor } });
    expect((await jobs.heartbeat(r.id, 'w', 10_000)).cancelRequested).not.toBeNull();
    const done = await jobs.finish(r.id, 'w', { status: 'cancelled', error: { code: 'CANCELLED', message: 'stopped', name: null } });
    expect(done).toMatchObject({ status: 'cancelled', lease: null });
    expect(await jobs.runningIds()).toEqual([]);
    await expect(jobs.requestCancel('a', r.id, actor)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/already cancelled/) });
    await expect(jobs.requestCancel('b', r.id, actor)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a worker that lost its job cannot heartbeat or finish it', async () => {
    const { jobs } = fresh();
    const j = await jobs.create({ tenant: 'a', spec, createdBy: actor });
    await jobs.claim(j.id, { workerId: 'w1', leaseMs: 10_000 });
    await expect(jobs.heartbeat(j.id, 'w2', 1000)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(jobs.finish(j.id, 'w2', { status: 'succeeded', result: { model: 'm', version: 1 } })).rejects.toMatchObject({ code: 'CONFLICT' });
    const progress = { stage: 'int8', step: 'calibrate-minmax', done: 3, total: 16, percent: 12.5, etaSeconds: 20 };
    expect((await jobs.heartbeat(j.id, 'w1', 10_000, progress)).progress).toEqual(progress);
  });

  it('crash recovery: a running job whose lease expired (or whose process is gone) becomes failed WORKER_LOST', async () => {
    const { jobs, store } = fresh();
    const expired = await jobs.create({ tenant: 'a', spec, createdBy: actor });
    const live = await jobs.create({ tenant: 'a', spec, createdBy: actor });
    const dead = await jobs.create({ tenant: 'a', spec, createdBy: actor });
    await jobs.claim(expired.id, { workerId: 'crashed', leaseMs: -1 });
    await jobs.claim(live.id, { workerId: 'alive', leaseMs: 60_000 });
    await jobs.claim(dead.id, { workerId: 'gone', leaseMs: 60_000, pid: 999_999 });
    const failed = await jobs.recoverAbandoned({ isDead: (l) => l.pid === 999_999 });
    expect(failed.map((j) => j.id).sort()).toEqual([expired.id, dead.id].sort());
    const e = (await jobs.get(expired.id))!.value;
    expect(e).toMatchObject({ status: 'failed', lease: null, error: { code: 'WORKER_LOST', message: expect.stringMatching(/lease expired.*submit the job again/) } });
    expect((await jobs.get(dead.id))!.value.error!.message).toMatch(/process 999999 .* no longer exists/);
    expect((await jobs.get(live.id))!.value.status).toBe('running');
    expect(await jobs.runningIds()).toEqual([live.id]);
    expect(await jobs.readLog('a', expired.id)).toMatch(/WORKER_LOST|stopped/);
    // A stale running marker (job already finished) is dropped.
    await store.put(layout.running(expired.id), new Uint8Array(0));
    expect(await jobs.recoverAbandoned()).toEqual([]);
    expect(await jobs.runningIds()).toEqual([live.id]);
  });

  it('logs append in order and keep the newest lines under the cap', async () => {
    const store = new FsBlobStore(path.join(scratch, `log${++n}`), { fsync: false });
    const jobs = new JobStore(store, { maxLogBytes: 200 });
    const j = await jobs.create({ tenant: 'a', spec, createdBy: actor });
    await jobs.appendLog(j.id, 'first\n');
    await Promise.all(Array.from({ length: 5 }, (_, i) => jobs.appendLog(j.id, `line ${i}\n`)));
    expect((await jobs.readLog('a', j.id)).split('\n').filter(Boolean).sort()).toEqual(['first', 'line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    for (let i = 0; i < 30; i++) await jobs.appendLog(j.id, `entry number ${i}\n`);
    const log = await jobs.readLog('a', j.id);
    expect(Buffer.byteLength(log)).toBeLessThanOrEqual(200);
    expect(log).toMatch(/^\[… older log lines dropped/);
    expect(log).toMatch(/entry number 29\n$/);
    await expect(jobs.readLog('b', j.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
