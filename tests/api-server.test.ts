/**
 * The API over a real listening server: `medslim serve --port 0` as a separate process (random port
 * on 127.0.0.1, filesystem store in a temporary data dir, worker as its child process). Over HTTP:
 * upload (streamed multipart), submit a job, follow it over Server-Sent Events to `done`, read the
 * version and download an artifact. Then a crash: the worker process is killed in the middle of a
 * job on the real PneumoniaMNIST teacher; the server restarts it and the new worker marks the job
 * failed (WORKER_LOST) with nothing registered. Ctrl-C (SIGINT) stops the server and the worker.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examples, repoRoot, syntheticTeacherAndData } from './helpers/fixtures.ts';

const ADMIN = 'server-test-admin-key-0123456789';
const bin = path.join(repoRoot, 'packages', 'cli', 'bin', 'medslim.js');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const realTeacher = path.join(examples, 'pneumoniamnist-resnet18.onnx');
const realData = path.join(examples, 'pneumoniamnist.npz');

let dir: string;
let serveProc: ChildProcess;
let stdout = '';
let stderr = '';
let base = '';
let workerPid = 0;
let files: { modelPath: string; dataPath: string };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked with toMatchObject
async function api(p: string, init: RequestInit & { json?: unknown } = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${ADMIN}`);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  const r = await fetch(`${base}/v1${p}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
  const text = await r.text();
  return { status: r.status, body: r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, headers: r.headers };
}

async function upload(file: string, name: string): Promise<{ id: string; sha256: string; bytes: number }> {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(file)]), name);
  const r = await api('/uploads', { method: 'POST', body: form });
  expect(r.status).toBe(201);
  return r.body;
}

/** Read an SSE stream until a terminal event (or `until` returns true); returns the events seen. */
async function followEvents(id: string, until?: (e: { event: string; data: { status: string; progress: { percent: number } | null } }) => boolean) {
  const controller = new AbortController();
  const r = await fetch(`${base}/v1/jobs/${id}/events`, { headers: { authorization: `Bearer ${ADMIN}` }, signal: controller.signal });
  expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: { event: string; data: { status: string; progress: { percent: number } | null; error?: { code: string }; result?: { version: number } } }[] = [];
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let cut;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const ev = /^event: (.*)$/m.exec(block);
      const data = /^data: (.*)$/m.exec(block);
      if (ev && data) events.push({ event: ev[1], data: JSON.parse(data[1]) });
    }
    const last = events.at(-1);
    if (last && (['done', 'failed', 'cancelled'].includes(last.event) || until?.(last))) break;
  }
  controller.abort();
  return events;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'medslim-serve-'));
  files = await syntheticTeacherAndData(dir, { channels: 1, classes: 2, size: 8, counts: [32, 8, 16] });
  serveProc = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', path.join(dir, 'data')], {
    env: { ...process.env, MEDSLIM_ADMIN_KEY: ADMIN, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  serveProc.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  serveProc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // Wait for the server to say it is ready (or to exit), however long a loaded machine takes to start it.
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (!/Ctrl-C to stop/.test(stdout)) return;
      serveProc.stdout!.off('data', check);
      serveProc.off('exit', exited);
      resolve();
    };
    const exited = (code: number | null) => reject(new Error(`medslim serve exited (${code}) before it was ready:\n${stdout}${stderr}`));
    serveProc.stdout!.on('data', check);
    serveProc.once('exit', exited);
  });
  base = /listening on (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(stdout)?.[1] ?? '';
  workerPid = Number(/worker: process (\d+)/.exec(stdout)?.[1]);
  if (!base) throw new Error(`medslim serve did not start:\n${stdout}`);
});

afterAll(async () => {
  if (serveProc.exitCode === null) serveProc.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('medslim serve (real listening server)', () => {
  it('prints the URL, uses MEDSLIM_ADMIN_KEY, and answers the OpenAPI document without a key', async () => {
    expect(stdout).toMatch(/admin key: the value of MEDSLIM_ADMIN_KEY/);
    expect(stdout).not.toContain(ADMIN);
    expect(workerPid).toBeGreaterThan(0);
    const r = await fetch(`${base}/v1/openapi.json`);
    expect(r.status).toBe(200);
    expect((await fetch(`${base}/v1/models`)).status).toBe(401);
  });

  it('upload → job → SSE progress → done → version with metrics → artifact download', async () => {
    expect((await api('/models', { method: 'POST', json: { name: 'pneumonia' } })).status).toBe(201);
    const teacher = await upload(files.modelPath, 'teacher.onnx');
    const dataset = await upload(files.dataPath, 'data.npz');
    expect(teacher.sha256).toBe(sha(readFileSync(files.modelPath)));
    const submitted = await api('/jobs', { method: 'POST', json: { type: 'quantize', model: 'pneumonia', teacher: teacher.id, dataset: dataset.id, preset: 'fast', options: { calibrationSize: 16, latencyIterations: 5, throughputIterations: 1 } } });
    expect(submitted.status).toBe(202);
    const events = await followEvents(submitted.body.id);
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { status: 'succeeded', result: { version: 1 } } });
    expect(events.filter((e) => e.event === 'progress').length).toBeGreaterThanOrEqual(1);

    const v = await api('/models/pneumonia/versions/1');
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ version: 1, lineage: { teacher: { sha256: teacher.sha256 }, dataset: { sha256: dataset.sha256 } }, metrics: [{ name: 'teacher' }, { name: 'int8' }] });
    const art = v.body.artifacts.find((a: { file: string }) => a.file === 'model.int8.onnx');
    const dl = await fetch(`${base}/v1/models/pneumonia/versions/1/artifacts/model.int8.onnx`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(sha(new Uint8Array(await dl.arrayBuffer()))).toBe(art.sha256);
    expect((await api('/models/pneumonia/aliases/prod', { method: 'PUT', json: { version: 1 } })).status).toBe(201);
  });

  it('a worker killed mid-job (real PneumoniaMNIST teacher) is restarted and marks the job failed; nothing registered', async () => {
    const teacher = await upload(realTeacher, 'pneumoniamnist-resnet18.onnx'); // 44.7 MB through the streaming multipart path
    expect(teacher.bytes).toBe(readFileSync(realTeacher).byteLength);
    const dataset = await upload(realData, 'pneumoniamnist.npz');
    const job = (await api('/jobs', { method: 'POST', json: { type: 'quantize', model: 'pneumonia', teacher: teacher.id, dataset: dataset.id } })).body;
    // Follow the stream until the job is clearly under way, then kill its worker as a crash would.
    const seen = await followEvents(job.id, (e) => e.data.status === 'running' && e.data.progress !== null);
    expect(seen.at(-1)!.data.progress!.percent).toBeLessThan(100);
    expect(alive(workerPid)).toBe(true);
    process.kill(workerPid, 'SIGKILL');
    const after = await followEvents(job.id);
    expect(after.at(-1)).toMatchObject({ event: 'failed', data: { status: 'failed', error: { code: 'WORKER_LOST' } } });
    expect((await api(`/jobs/${job.id}`)).body.error.message).toMatch(/no longer exists.*submit the job again/);
    expect((await api('/models/pneumonia/versions')).body.versions.map((x: { version: number }) => x.version)).toEqual([1]);
    expect((await api(`/jobs/${job.id}/logs`)).body).toMatch(/WORKER_LOST|stopped/);
    expect(stderr).toMatch(/worker process exited \(SIGKILL\); restarting/);
  });

  it('SIGINT stops the server and its worker', async () => {
    const pids = [...(stdout + stderr).matchAll(/worker: process (\d+)|worker process (\d+) started/g)].map((m) => Number(m[1] ?? m[2]));
    expect(pids.length).toBeGreaterThanOrEqual(2); // the first worker, and the one started after the crash
    const exited = new Promise<number | null>((resolve) => serveProc.once('exit', (code) => resolve(code)));
    serveProc.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/SIGINT: stopping/);
    await expect(fetch(`${base}/v1/openapi.json`)).rejects.toThrow();
    // The server waits for its worker to exit (LocalProcessRunner.close) before it exits itself: no waiting here.
    expect(pids.filter(alive)).toEqual([]);
  });
});
