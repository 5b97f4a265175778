/** Worker: runs jobs to a version, or to a recorded failure that registers nothing. */
import type { JobReport } from '@medslim/contracts';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, BlobStore, JobDoc } from '@medslim/registry';
import { FsBlobStore, JobStore, layout, Registry } from '@medslim/registry';
import { failingPut } from '../../registry/src/store/testing/failing-put.ts';
import { syntheticTeacherAndData } from '../../../tests/helpers/fixtures.ts';
import type { JobExecutor } from './executors.ts';
import { executors } from './executors.ts';
import { ProgressTracker } from './progress.ts';
import { AwsBatchRunner, buildSubmitJobInput, type SubmitJobInput } from './runners/aws-batch.ts';
import { Worker } from './worker.ts';

const T = 'clinic';
const actor: Actor = { keyId: 'abcdef012345', name: 'ci', role: 'deployer' };
const quiet = () => {};
const fast = { calibrationSize: 16, latencyIterations: 5, throughputIterations: 1 };

let scratch: string;
let teacher: Buffer;
let data: Buffer;
let n = 0;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'medslim-worker-'));
  const files = await syntheticTeacherAndData(scratch, { channels: 1, classes: 2, size: 8, counts: [32, 8, 16] });
  teacher = readFileSync(files.modelPath);
  data = readFileSync(files.dataPath);
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** A fresh store with a model 'm', the teacher and dataset uploaded, and `count` queued jobs. */
async function setup(opts: { store?: (s: BlobStore) => BlobStore; type?: string; options?: Record<string, unknown> } = {}) {
  const base = new FsBlobStore(path.join(scratch, `s${++n}`), { fsync: false });
  const store = opts.store ? opts.store(base) : base;
  const reg = new Registry(store);
  await reg.models.create(T, { name: 'm', createdBy: actor });
  const t = await reg.uploads.put(T, teacher, { filename: 'teacher.onnx', createdBy: actor });
  const d = await reg.uploads.put(T, data, { filename: 'pneumonia.npz', createdBy: actor });
  const job = await reg.submitJob(T, { type: opts.type ?? 'quantize', model: 'm', teacher: t.id, dataset: d.id, preset: null, options: opts.options ?? fast }, actor);
  return { store, base, reg, job, t, d };
}

/** Steps of a scripted job that only ends when the worker aborts it (no race between the test and the job's end). */
const UNTIL_STOPPED = Number.MAX_SAFE_INTEGER;

/** An executor that reports `steps` progress events `delayMs` apart, then does `end`. */
function scripted(steps: number, delayMs: number, end: 'throw' | 'succeed' = 'succeed'): JobExecutor {
  return {
    artifacts: ['model.onnx', 'report.json'],
    reportFile: 'report.json',
    plan: () => [{ stage: 'fake', step: 'work', weight: 1 }],
    async run(ctx) {
      for (let i = 0; i < steps; i++) {
        ctx.onProgress({ stage: 'fake', step: 'work', done: i, total: steps });
        await new Promise((r) => setTimeout(r, delayMs));
      }
      if (end === 'throw') throw Object.assign(new Error('labels in test split exceed the class count'), { name: 'DataError', code: 'LABEL_RANGE' });
      await writeFile(path.join(ctx.outDir, 'model.onnx'), 'fake model');
      // A stand-in report: the worker passes stages and gate on to the registry without reading their fields.
      const report = { stages: [{ name: 'fake' }], gate: { passed: true, checks: [] } } as unknown as JobReport;
      await writeFile(path.join(ctx.outDir, 'report.json'), JSON.stringify(report));
      return { report, codeVersion: 'test' };
    },
  };
}
const withOutDir = (e: JobExecutor): JobExecutor => ({
  ...e,
  async run(ctx) {
    await (await import('node:fs/promises')).mkdir(ctx.outDir, { recursive: true });
    return e.run(ctx);
  },
});

describe('Worker', () => {
  it('runs a quantize job: verified inputs, progress, version with artifacts, lineage, metrics; log kept', async () => {
    const { store, reg, job, t, d } = await setup();
    const w = new Worker({ store, log: quiet, progressIntervalMs: 0 });
    // What a client reading the log as soon as it sees the job finished would get.
    let logWhenFinished = '';
    const finish = JobStore.prototype.finish;
    JobStore.prototype.finish = async function (this: JobStore, ...args: Parameters<JobStore['finish']>) {
      logWhenFinished = await reg.jobs.readLog(T, job.id);
      return finish.apply(this, args);
    };
    const done = await w.runOnce().finally(() => { JobStore.prototype.finish = finish; });
    if (!done) throw new Error('no job ran');
    expect(done).toMatchObject({ id: job.id, status: 'succeeded', result: { model: 'm', version: 1 }, error: null, lease: null, attempts: 1 });
    expect(done.progress).toMatchObject({ percent: 100, etaSeconds: 0 });
    const v = await reg.versions.get(T, 'm', 1);
    expect(v.artifacts.map((a) => a.file)).toEqual(['model.int8.onnx', 'report.json', 'report.md']);
    expect(v.lineage).toEqual({
      teacher: { upload: t.id, sha256: t.sha256, bytes: t.bytes, filename: 'teacher.onnx' },
      dataset: { upload: d.id, sha256: d.sha256, bytes: d.bytes, filename: 'pneumonia.npz' },
      job: { id: job.id, type: 'quantize', preset: null, options: fast },
      codeVersion: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    expect((v.metrics as { name: string }[]).map((s) => s.name)).toEqual(['teacher', 'int8']);
    expect(v.gate).toBeNull();
    expect(await reg.versions.readReport(T, v)).toMatchObject({ job: 'quantize', dataset: { sha256: d.sha256 } });
    const log = await reg.jobs.readLog(T, job.id);
    expect(log).toMatch(/claimed by worker/);
    expect(log).toMatch(/int8 calibrate-minmax: started/);
    expect(log).toMatch(/registered version 1/);
    expect(logWhenFinished, 'the log is complete before the job is marked finished').toMatch(/registered version 1/);
    expect(await w.runOnce()).toBeNull();
    expect(await reg.jobs.runningIds()).toEqual([]);
  });

  it('a job that fails mid-way registers nothing and keeps its error and log', async () => {
    const { store, base, reg, job } = await setup({ type: 'fake' });
    const w = new Worker({ store, log: quiet, executors: { fake: withOutDir(scripted(3, 5, 'throw')) } });
    const done = (await w.runOnce())!;
    expect(done).toMatchObject({ status: 'failed', result: null, error: { code: 'LABEL_RANGE', name: 'DataError', message: 'labels in test split exceed the class count' } });
    expect(await reg.versions.list(T, 'm')).toEqual([]);
    expect(await keys(base, layout.versionsPrefix(T, 'm'))).toEqual([]);
    expect(await reg.jobs.readLog(T, job.id)).toMatch(/failed \[LABEL_RANGE\]: labels in test split/);
  });

  it('a failure while storing the artifacts leaves no visible version (and no half-written one)', async () => {
    const failOn = (s: BlobStore) => failingPut(s, (k) => k.endsWith('/artifacts/report.md'));
    const { store, base, reg } = await setup({ store: failOn });
    const operator: string[] = [];
    const done = (await new Worker({ store, log: (l) => operator.push(l) }).runOnce())!;
    expect(done.status).toBe('failed');
    // The tenant sees no internals (issue 14, item 8); the operator's log has the cause and the stack.
    expect(done.error).toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/internal error \(job job_\w+\); the operator's server log has the details/) });
    expect(operator.join('\n')).toMatch(/injected failure[\s\S]*\n\s+at /);
    expect(await reg.jobs.readLog(T, done.id)).not.toMatch(/\n\s+at |node_modules|\/tmp\//);
    expect(await reg.versions.list(T, 'm')).toEqual([]);
    expect(await keys(base, layout.versionsPrefix(T, 'm'))).toEqual([]);
  });

  it('cancel: a running job stops at its next progress event, registers nothing, and says who cancelled', async () => {
    const { store, reg, job } = await setup({ type: 'fake' });
    const w = new Worker({ store, log: quiet, progressIntervalMs: 10, executors: { fake: withOutDir(scripted(UNTIL_STOPPED, 10)) } });
    const running = w.runOnce();
    await waitFor(async () => (await reg.jobs.get(job.id))!.value.progress !== null);
    await waitFor(async () => /fake work: started/.test(await reg.jobs.readLog(T, job.id))); // the log is readable while the job runs
    await reg.jobs.requestCancel(T, job.id, { ...actor, name: 'dr-who' });
    const done = (await running)!;
    expect(done).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED', message: expect.stringMatching(/cancelled by dr-who/) } });
    expect(await reg.versions.list(T, 'm')).toEqual([]);
    expect(await reg.jobs.readLog(T, job.id)).toMatch(/cancelled: cancelled by dr-who/);
  });

  it('stop() aborts the running job as WORKER_STOPPED; the next start recovers jobs a crashed worker left running', async () => {
    const { store, reg, job } = await setup({ type: 'fake' });
    const w = new Worker({ store, log: quiet, pollMs: 20, executors: { fake: withOutDir(scripted(UNTIL_STOPPED, 10)) } });
    w.start();
    await waitFor(async () => (await reg.jobs.get(job.id))!.value.progress !== null);
    await w.stop();
    expect((await reg.jobs.get(job.id))!.value).toMatchObject({ status: 'failed', error: { code: 'WORKER_STOPPED' } });

    // A crash: claimed by a process that no longer exists on this host (its lease has not expired yet).
    const crashed = await reg.jobs.create({ tenant: T, spec: job, createdBy: actor });
    await reg.jobs.claim(crashed.id, { workerId: 'dead-worker', leaseMs: 600_000, pid: 2 ** 22 + 12345 });
    const w2 = new Worker({ store, log: quiet, pollMs: 20 });
    w2.start();
    await waitFor(async () => (await reg.jobs.get(crashed.id))!.value.status === 'failed');
    await w2.stop();
    expect((await reg.jobs.get(crashed.id))!.value.error).toMatchObject({ code: 'WORKER_LOST', message: expect.stringMatching(/no longer exists.*submit the job again/) });
    expect(await reg.versions.list(T, 'm')).toEqual([]);
  });

  it('two workers polling one queue never run a job twice', async () => {
    const { store, reg, job } = await setup({ type: 'fake' });
    const more = [await reg.jobs.create({ tenant: T, spec: job, createdBy: actor }), await reg.jobs.create({ tenant: T, spec: job, createdBy: actor })];
    const runs: string[] = [];
    const exec: JobExecutor = { ...withOutDir(scripted(2, 5)), run: async (ctx) => (runs.push(ctx.outDir), withOutDir(scripted(2, 5)).run(ctx)) };
    const a = new Worker({ store, log: quiet, executors: { fake: exec } });
    const b = new Worker({ store, log: quiet, executors: { fake: exec } });
    const drain = async (w: Worker) => {
      while (await w.runOnce());
    };
    await Promise.all([drain(a), drain(b)]);
    expect(runs).toHaveLength(3);
    const docs = await Promise.all([job, ...more].map(async (j) => (await reg.jobs.get(j.id))!.value));
    expect(docs.map((d) => d.attempts)).toEqual([1, 1, 1]);
    expect(docs.map((d) => d.result?.version).sort()).toEqual([1, 2, 3]);
  });

  it('fails clearly for an unknown job type and for an upload whose bytes changed', async () => {
    const { store, reg, job } = await setup({ type: 'distill' });
    const done = (await new Worker({ store, log: quiet }).runOnce())!;
    expect(done.error).toMatchObject({ code: 'UNKNOWN_JOB_TYPE', message: expect.stringMatching(/cannot run 'distill' jobs \(it runs: quantize, compress\)/) });
    void job;

    const s2 = await setup();
    await s2.store.put(layout.uploadBlob(T, s2.t.id), Buffer.from('tampered'));
    const d2 = (await new Worker({ store: s2.store, log: quiet }).runOnce())!;
    expect(d2.error).toMatchObject({ code: 'INTEGRITY', message: expect.stringMatching(/changed since it was uploaded/) });
    expect(await s2.reg.versions.list(T, 'm')).toEqual([]);
    void reg;
  });
});

describe('ProgressTracker', () => {
  it('weights steps, never goes back, skips optional steps, caps at 99 % and estimates the time left', () => {
    let now = 0;
    const t = new ProgressTracker(
      [
        { stage: 'a', step: 'x', weight: 1 },
        { stage: 'a', step: 'optional', weight: 1 },
        { stage: 'b', step: 'y', weight: 2 },
      ],
      () => now,
    );
    now = 2000;
    expect(t.update({ stage: 'a', step: 'x', done: 1, total: 2 })).toMatchObject({ percent: 12.5, etaSeconds: 14 });
    expect(t.update({ stage: 'b', step: 'y', done: 1, total: 2 }).percent).toBe(75);
    expect(t.update({ stage: 'a', step: 'x', done: 0, total: 2 }).percent).toBe(75); // monotonic
    expect(t.update({ stage: 'unknown', step: 'z', done: 5, total: 9 })).toMatchObject({ stage: 'unknown', percent: 75 });
    expect(t.update({ stage: 'b', step: 'y', done: 2, total: 2 }).percent).toBe(99);
  });

  it('a step that names its candidate after the planned step counts as that step (fine-tune pruned-50 = fine-tune)', () => {
    const t = new ProgressTracker([{ stage: 'prune', step: 'fine-tune', weight: 1 }, { stage: 'quantize', step: 'rewrite', weight: 3 }]);
    expect(t.update({ stage: 'prune', step: 'fine-tune pruned-50', done: 1, total: 2 })).toMatchObject({ step: 'fine-tune pruned-50', percent: 12.5 });
    expect(t.update({ stage: 'prune', step: 'fine-tunes', done: 2, total: 2 }).percent).toBe(12.5); // not a prefix match
  });

  it('the quantize plan includes the histogram pass only for percentile and entropy calibration', () => {
    expect(executors.quantize.plan({}).map((s) => s.step)).not.toContain('calibrate-histogram');
    expect(executors.quantize.plan({ calibrator: 'entropy' }).map((s) => s.step)).toContain('calibrate-histogram');
  });
});

describe('AwsBatchRunner', () => {
  it('submits one GPU Batch job per medslim job running `medslim worker --job <id>`', async () => {
    const sent: SubmitJobInput[] = [];
    const runner = new AwsBatchRunner({ jobQueue: 'gpu-queue', jobDefinition: 'medslim:3', storeUrl: 's3://bucket/prod', submit: async (i) => (sent.push(i), { jobId: 'b-1' }) });
    const job = { id: 'job_0mx1abcde0123456789', tenant: 'st-marys', type: 'quantize' } as JobDoc;
    await runner.dispatch(job);
    expect(sent).toEqual([buildSubmitJobInput(job, { jobQueue: 'gpu-queue', jobDefinition: 'medslim:3', storeUrl: 's3://bucket/prod' })]);
    expect(sent[0]).toMatchObject({
      jobName: 'medslim-quantize-job_0mx1abcde0123456789',
      jobQueue: 'gpu-queue',
      jobDefinition: 'medslim:3',
      containerOverrides: {
        command: ['medslim', 'worker', '--job', job.id],
        environment: expect.arrayContaining([{ name: 'MEDSLIM_STORE', value: 's3://bucket/prod' }, { name: 'MEDSLIM_JOB_ID', value: job.id }]),
        resourceRequirements: [{ type: 'GPU', value: '1' }],
      },
      retryStrategy: { attempts: 1 },
      tags: { 'medslim:tenant': 'st-marys', 'medslim:job': job.id, 'medslim:type': 'quantize' },
    });
  });
});

async function keys(store: BlobStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of store.list(prefix)) out.push(e.key);
  return out;
}

/** Waits until `cond` holds, however long a loaded machine takes (the test's own timeout bounds a hang). */
async function waitFor(cond: () => Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 10));
}

