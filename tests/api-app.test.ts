/**
 * The API over `app.request()` (in process): every route, every bad-input case of the issue's
 * "Done when", tenant isolation, and two concurrent rollouts → exactly one 412. Jobs run in an
 * in-process worker on a tiny synthetic model (about a second each).
 */
import { DEFAULT_GATE_BUDGETS, type GateResult } from '@medslim/contracts';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@medslim/api';
import type { Actor, BlobStore } from '@medslim/registry';
import { FsBlobStore, pollingOnlyRunner, Registry } from '@medslim/registry';
import type { JobExecutor } from '@medslim/jobs';
import { executors, InProcessRunner, Worker } from '@medslim/jobs';
import { syntheticTeacherAndData } from './helpers/fixtures.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const quiet = () => {};
const MAX_UPLOAD = 64 * 1024;

let dir: string;
let store: BlobStore;
let reg: Registry;
let worker: Worker;
let app: ReturnType<typeof createApp>;
let teacher: Buffer;
let data: Buffer;
const key: Record<'admin' | 'deployer' | 'reader' | 'other', string> = { admin: '', deployer: '', reader: '', other: '' };

type Init = { method?: string; json?: unknown; body?: RequestInit['body']; headers?: Record<string, string> };
function call(who: keyof typeof key | null, p: string, init: Init = {}) {
  const headers: Record<string, string> = { ...(who ? { authorization: `Bearer ${key[who]}` } : {}), ...init.headers };
  if (init.json !== undefined) headers['content-type'] ??= 'application/json';
  return app.request(`/v1${p}`, { method: init.method ?? (init.json !== undefined || init.body !== undefined ? 'POST' : 'GET'), headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
}
async function expectError(res: Response | Promise<Response>, status: number, code: string, message?: RegExp) {
  const r = await res;
  const body: any = await r.json();
  expect({ status: r.status, code: body.error?.code }).toEqual({ status, code });
  if (message) expect(body.error.message).toMatch(message);
  return body.error.message as string;
}
const form = (bytes: Uint8Array, filename: string, field = 'file') => {
  const f = new FormData();
  f.append(field, new Blob([bytes]), filename);
  return f;
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked with toMatchObject
const j = async (r: Response | Promise<Response>): Promise<any> => (await r).json();
async function allKeys(): Promise<string[]> {
  const out: string[] = [];
  for await (const e of store.list('')) out.push(`${e.key} ${e.etag}`);
  return out.sort();
}
async function sseEvents(res: Response): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((b) => b.includes('event:'))
    .map((b) => ({ event: /event: (.*)/.exec(b)![1], data: JSON.parse(/data: (.*)/.exec(b)![1]) }));
}
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'medslim-api-'));
  const files = await syntheticTeacherAndData(dir, { channels: 1, classes: 2, size: 8, counts: [32, 8, 16] });
  teacher = readFileSync(files.modelPath);
  data = readFileSync(files.dataPath);
  store = new FsBlobStore(path.join(dir, 'store'), { fsync: false });
  reg = new Registry(store);
  key.admin = (await reg.keys.ensureAdmin({ key: 'test-admin-key-0123456789' }), 'test-admin-key-0123456789');
  worker = new Worker({ store, pollMs: 20, progressIntervalMs: 50, log: quiet });
  app = createApp({ store, runner: new InProcessRunner(worker), maxUploadBytes: MAX_UPLOAD, maxJsonBytes: 4096, ssePollMs: 30, log: quiet });
});
afterAll(async () => {
  await worker.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('API over app.request()', () => {
  it('serves the OpenAPI document without a key, with every route', async () => {
    const r = await app.request('/v1/openapi.json');
    expect(r.status).toBe(200);
    const doc: any = await r.json();
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/v1/keys', '/v1/keys/audit', '/v1/keys/{id}', '/v1/keys/{id}/rotate', '/v1/uploads', '/v1/uploads/presign', '/v1/uploads/{id}', '/v1/uploads/{id}/complete',
        '/v1/models', '/v1/models/{name}', '/v1/models/{name}/versions', '/v1/models/{name}/versions/{v}', '/v1/models/{name}/versions/{v}/artifacts/{file}',
        '/v1/models/{name}/aliases', '/v1/models/{name}/aliases/{alias}', '/v1/models/{name}/aliases/{alias}/rollback', '/v1/models/{name}/audit',
        '/v1/jobs', '/v1/jobs/{id}', '/v1/jobs/{id}/events', '/v1/jobs/{id}/logs', '/v1/jobs/{id}/cancel',
      ].sort(),
    );
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.info.description).toContain('/v1/inference/openapi.json'); // where the prediction routes are described
    await expectError(app.request('/v1/nope', { headers: { authorization: `Bearer ${key.admin}` } }), 404, 'NOT_FOUND', /no route GET \/v1\/nope/);
  });

  it('keys: an admin creates keys bound to a tenant and a role; others may not; missing or wrong keys get 401', async () => {
    const made = await call('admin', '/keys', { json: { tenant: 'st-marys', role: 'deployer', name: 'ci' } });
    expect(made.status).toBe(201);
    const body = await j(made);
    expect(body).toMatchObject({ key: expect.stringMatching(/^msk_/), tenant: 'st-marys', role: 'deployer', name: 'ci' });
    key.deployer = body.key;
    key.reader = (await j(call('admin', '/keys', { json: { tenant: 'st-marys', role: 'reader' } }))).key;
    key.other = (await j(call('admin', '/keys', { json: { tenant: 'other-hospital', role: 'deployer' } }))).key;

    await expectError(call('deployer', '/keys', { json: { role: 'admin' } }), 403, 'FORBIDDEN', /needs role 'admin'/);
    await expectError(call('admin', '/keys', { json: { tenant: 'st-marys', role: 'root' } }), 400, 'BAD_REQUEST', /body: role/);
    await expectError(call(null, '/models'), 401, 'UNAUTHORIZED', /missing API key/);
    await expectError(app.request('/v1/models', { headers: { authorization: 'Bearer msk_wrongwrongwrongwrongwrong' } }), 401, 'UNAUTHORIZED', /invalid API key/);
    await expectError(app.request('/v1/models', { headers: { authorization: key.deployer } }), 401, 'UNAUTHORIZED', /malformed Authorization/);
    await expectError(call('reader', '/models', { json: { name: 'x' } }), 403, 'FORBIDDEN', /has role 'reader'/);
  });

  it('models: create, list, get; bad input answers 4xx with a clear message and changes nothing', async () => {
    const r = await call('deployer', '/models', { json: { name: 'pneumonia', description: 'PneumoniaMNIST ResNet-18' } });
    expect(r.status).toBe(201);
    expect(await r.json()).toMatchObject({ name: 'pneumonia', createdBy: { role: 'deployer', name: 'ci' } });
    const before = await allKeys();
    await expectError(call('deployer', '/models', { json: { name: 'pneumonia' } }), 409, 'ALREADY_EXISTS', /already exists/);
    await expectError(call('deployer', '/models', { json: { name: 'Bad Name!' } }), 400, 'BAD_REQUEST', /body: name: use 1–63 lower-case/);
    await expectError(call('deployer', '/models', { json: { name: 'x', colour: 'red' } }), 400, 'BAD_REQUEST', /colour/);
    await expectError(call('deployer', '/models', { json: {} }), 400, 'BAD_REQUEST', /name/);
    await expectError(call('deployer', '/models', { body: '{"name": "x",', headers: { 'content-type': 'application/json' } }), 400, 'MALFORMED_JSON', /malformed JSON/);
    await expectError(call('deployer', '/models', { body: 'name=x', headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE', /application\/json \(got 'text\/plain'\)/);
    await expectError(call('deployer', '/models', { json: { name: 'x', description: 'y'.repeat(5000) } }), 413, 'PAYLOAD_TOO_LARGE', /exceeds 4096 bytes/);
    await expectError(call('deployer', '/models/unknown'), 404, 'NOT_FOUND', /model "unknown" not found/);
    await expectError(call('deployer', '/models/unknown/versions'), 404, 'NOT_FOUND');
    expect(await allKeys()).toEqual(before);
    expect((await j(call('reader', '/models'))).models.map((m: { name: string }) => m.name)).toEqual(['pneumonia']);
  });

  let teacherId = '';
  let datasetId = '';
  it('uploads: multipart streamed to the store → {id, sha256, bytes}; oversized 413, wrong type 415, no file 400, presign 501 on fs', async () => {
    const t = await call('deployer', '/uploads', { body: form(teacher, 'teacher.onnx') });
    expect(t.status).toBe(201);
    const tb = await j(t);
    expect(tb).toMatchObject({ id: expect.stringMatching(/^up_/), sha256: sha(teacher), bytes: teacher.byteLength, filename: 'teacher.onnx', status: 'ready' });
    teacherId = tb.id;
    datasetId = (await j(call('deployer', '/uploads', { body: form(data, 'pneumonia.npz') }))).id;

    const before = await allKeys();
    await expectError(call('deployer', '/uploads', { body: form(Buffer.alloc(MAX_UPLOAD + 1), 'big.onnx') }), 413, 'TOO_LARGE', /exceeds the limit of 65536 bytes/);
    // Without a Content-Length the limit is enforced while streaming: still 413, still nothing stored.
    const big = new Request('http://x/', { method: 'POST', body: form(Buffer.alloc(MAX_UPLOAD * 3), 'big.onnx') });
    const streamed = new ReadableStream({ start: async (c) => (c.enqueue(new Uint8Array(await big.arrayBuffer())), c.close()) });
    const r413 = await app.request('/v1/uploads', { method: 'POST', headers: { authorization: `Bearer ${key.deployer}`, 'content-type': big.headers.get('content-type')! }, body: streamed, duplex: 'half' } as RequestInit);
    expect(r413.status).toBe(413);
    await expectError(call('deployer', '/uploads', { body: 'raw bytes', headers: { 'content-type': 'application/octet-stream' } }), 415, 'UNSUPPORTED_MEDIA_TYPE', /multipart\/form-data/);
    const noFile = new FormData();
    noFile.append('note', 'hello');
    await expectError(call('deployer', '/uploads', { body: noFile }), 400, 'BAD_REQUEST', /field 'file' is missing/);
    await expectError(call('reader', '/uploads', { body: form(teacher, 't.onnx') }), 403, 'FORBIDDEN');
    await expectError(call('deployer', '/uploads/presign', { json: { filename: 'big.onnx' } }), 501, 'NOT_IMPLEMENTED', /need an S3 store.*use POST \/v1\/uploads/);
    await expectError(call('deployer', '/uploads/up_0000000000000000000'), 404, 'NOT_FOUND');
    expect(await allKeys()).toEqual(before);

    expect((await j(call('reader', '/uploads'))).uploads.map((u: { id: string }) => u.id)).toEqual([datasetId, teacherId]);
    expect(await j(call('reader', `/uploads/${teacherId}`))).toMatchObject({ id: teacherId, sha256: sha(teacher) });
    // Completing an upload that is already ready is a no-op.
    expect(await j(call('deployer', `/uploads/${teacherId}/complete`, { method: 'POST' }))).toMatchObject({ id: teacherId, status: 'ready' });
    await expectError(call('deployer', '/uploads', { body: form(teacher, 't.onnx', 'model') }), 400, 'BAD_REQUEST', /field 'file' \(got a file in field 'model'\)/);
  });

  let jobId = '';
  it('jobs: submit → queued, runs in the worker, SSE streams progress and ends with done; logs; bad submissions change nothing', async () => {
    const before = await allKeys();
    const submit = (body: Record<string, unknown>) => call('deployer', '/jobs', { json: { type: 'quantize', model: 'pneumonia', teacher: teacherId, dataset: datasetId, ...body } });
    await expectError(submit({ type: 'distill' }), 400, 'BAD_REQUEST', /unsupported job type 'distill'; this server runs: compress, quantize/);
    await expectError(submit({ preset: 'turbo' }), 400, 'BAD_REQUEST', /unknown preset 'turbo'.*default, fast, accurate/);
    await expectError(submit({ options: { calibrationSize: -5 } }), 400, 'BAD_REQUEST', /options.calibrationSize/);
    await expectError(submit({ options: { calibrator: 'magic' } }), 400, 'BAD_REQUEST', /options.calibrator/);
    await expectError(submit({ options: { warpSpeed: true } }), 400, 'BAD_REQUEST', /warpSpeed/);
    await expectError(submit({ model: 'unknown' }), 404, 'NOT_FOUND', /model "unknown" not found/);
    await expectError(submit({ teacher: 'up_0000000000000000000' }), 404, 'NOT_FOUND', /teacher "up_0000000000000000000" is not an upload of this tenant/);
    await expectError(submit({ dataset: teacherId }), 400, 'INVALID', /two different uploads/);
    await expectError(submit({ model: 'Bad Name' }), 400, 'BAD_REQUEST', /body: model/);
    await expectError(call('reader', '/jobs', { json: { type: 'quantize' } }), 403, 'FORBIDDEN');
    expect(await allKeys()).toEqual(before);

    const r = await submit({ preset: 'fast', options: { calibrationSize: 16, latencyIterations: 5, throughputIterations: 1 } });
    expect(r.status).toBe(202);
    const job = await j(r);
    jobId = job.id;
    expect(r.headers.get('location')).toBe(`/v1/jobs/${jobId}`);
    expect(job).toMatchObject({ status: 'queued', type: 'quantize', model: 'pneumonia', preset: 'fast', options: { calibrationSize: 16, latencyIterations: 5, throughputIterations: 1 }, teacher: { upload: teacherId, sha256: sha(teacher) } });
    expect(job).not.toHaveProperty('lease');

    const es = await call('reader', `/jobs/${jobId}/events`);
    expect(es.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await sseEvents(es);
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { status: 'succeeded', result: { model: 'pneumonia', version: 1 } } });
    expect(events.slice(0, -1).every((e) => e.event === 'progress')).toBe(true);
    expect(events.length).toBeGreaterThanOrEqual(2);

    const got = await j(call('reader', `/jobs/${jobId}`));
    expect(got).toMatchObject({ status: 'succeeded', progress: { percent: 100 }, result: { version: 1 }, error: null });
    expect((await j(call('reader', '/jobs'))).jobs.map((j: { id: string }) => j.id)).toEqual([jobId]);
    expect((await j(call('reader', '/jobs?status=failed'))).jobs).toEqual([]);
    await expectError(call('reader', '/jobs?status=bogus'), 400, 'BAD_REQUEST', /query: status/);
    const logs = await call('reader', `/jobs/${jobId}/logs`);
    expect(logs.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await logs.text()).toMatch(/registered version 1 of model 'pneumonia'/);
    // A finished job's stream is one final event.
    expect((await sseEvents(await call('reader', `/jobs/${jobId}/events`))).map((e) => e.event)).toEqual(['done']);
    await expectError(call('deployer', `/jobs/${jobId}/cancel`, { method: 'POST' }), 409, 'CONFLICT', /already succeeded/);
    await expectError(call('reader', '/jobs/job_0000000000000000000'), 404, 'NOT_FOUND');
  });

  it('versions: metrics, lineage, report; artifacts download with their SHA-256', async () => {
    const list = await j(call('reader', '/models/pneumonia/versions'));
    expect(list.versions.map((v: { version: number }) => v.version)).toEqual([1]);
    const v = await j(call('reader', '/models/pneumonia/versions/1'));
    expect(v).toMatchObject({
      model: 'pneumonia',
      version: 1,
      lineage: { teacher: { sha256: sha(teacher) }, dataset: { sha256: sha(data) }, job: { id: jobId, type: 'quantize', preset: 'fast' }, codeVersion: expect.any(String) },
      gate: null,
      report: { job: 'quantize', stages: [{ name: 'teacher' }, { name: 'int8' }] },
    });
    expect(v.metrics[1]).toMatchObject({ name: 'int8', test: { accuracy: expect.any(Number), auc: expect.any(Number) }, latencyMs: { p50: expect.any(Number) } });
    const art = v.artifacts.find((a: { file: string }) => a.file === 'model.int8.onnx');
    const dl = await call('reader', '/models/pneumonia/versions/1/artifacts/model.int8.onnx');
    expect(dl.status).toBe(200);
    const bytes = new Uint8Array(await dl.arrayBuffer());
    expect(sha(bytes)).toBe(art.sha256);
    expect(dl.headers.get('x-checksum-sha256')).toBe(art.sha256);
    expect(dl.headers.get('etag')).toBe(`"${art.sha256}"`);
    expect(Number(dl.headers.get('content-length'))).toBe(art.bytes);
    await expectError(call('reader', '/models/pneumonia/versions/2'), 404, 'NOT_FOUND', /version 2 of model 'pneumonia' not found/);
    await expectError(call('reader', '/models/pneumonia/versions/latest'), 404, 'NOT_FOUND');
    await expectError(call('reader', '/models/pneumonia/versions/1/artifacts/secret.txt'), 404, 'NOT_FOUND', /no artifact "secret.txt"/);
  });

  it('aliases: prod → v1, canary 10 % to v2 with If-Match, rollback in one call, audit; every bad change is refused and changes nothing', async () => {
    const author: Actor = { keyId: 'seed', name: 'seed', role: 'admin' };
    const gateResult = (passed: boolean): GateResult => ({ passed, candidate: 'int8', decision: 'point', split: 'test', budgets: DEFAULT_GATE_BUDGETS, checks: [], rationale: 'test' });
    const lineage = { teacher: null, dataset: null, job: null, codeVersion: 'test' };
    await reg.versions.register('st-marys', 'pneumonia', { artifacts: [{ file: 'model.int8.onnx', bytes: Buffer.from('v2') }], lineage, metrics: [], gate: gateResult(true), createdBy: author });
    await reg.versions.register('st-marys', 'pneumonia', { artifacts: [{ file: 'model.int8.onnx', bytes: Buffer.from('v3') }], lineage, metrics: [], gate: gateResult(false), createdBy: author });

    const created = await call('deployer', '/models/pneumonia/aliases/prod', { method: 'PUT', json: { version: 1, reason: 'first release' } });
    expect(created.status).toBe(201);
    const etag1 = created.headers.get('etag')!;
    expect(await created.json()).toMatchObject({ alias: 'prod', targets: [{ version: 1, weight: 1 }], previous: null, revision: 1, etag: etag1.slice(1, -1) });
    expect((await call('reader', '/models/pneumonia/aliases/prod')).headers.get('etag')).toBe(etag1);

    const before = await allKeys();
    const put = (json: unknown, ifMatch?: string | null) => call('deployer', '/models/pneumonia/aliases/prod', { method: 'PUT', json, headers: ifMatch ? { 'if-match': ifMatch } : {} });
    // The 428 says how to get the ETag but never quotes it: a client must read what it is about to replace.
    const required = await expectError(put({ version: 2 }), 428, 'PRECONDITION_REQUIRED', /GET .*aliases\/prod.*send its ETag in If-Match/);
    expect(JSON.stringify(required)).not.toContain(etag1.slice(1, -1));
    await expectError(put({ version: 2 }, '"0123456789abcdef"'), 412, 'PRECONDITION_FAILED', /stale/);
    await expectError(put({ targets: [{ version: 1, weight: 1.1 }, { version: 2, weight: -0.1 }] }, etag1), 400, 'INVALID', /weight must be a finite number ≥ 0/);
    await expectError(put({ targets: [{ version: 1, weight: 0.9 }, { version: 2, weight: 0.2 }] }, etag1), 400, 'INVALID', /sum to 1 \(got 1.1/);
    await expectError(put({ version: 9 }, etag1), 400, 'INVALID', /no version 9 \(versions: 1, 2, 3\)/);
    await expectError(put({ version: 1, targets: [{ version: 1, weight: 1 }] }, etag1), 400, 'BAD_REQUEST', /either "version"/);
    await expectError(put({ version: 3 }, etag1), 409, 'GATE_FAILED', /failed its quality gate.*"force": true/);
    await expectError(put({ version: 3, force: true }, etag1), 400, 'INVALID', /needs a reason/);
        await expectError(call('deployer', '/models/pneumonia/aliases/Bad Alias', { method: 'PUT', json: { version: 1 } }), 400, 'INVALID', /alias name/);
    await expectError(call('deployer', '/models/unknown/aliases/prod', { method: 'PUT', json: { version: 1 } }), 404, 'NOT_FOUND');
    await expectError(call('reader', '/models/pneumonia/aliases/prod', { method: 'PUT', json: { version: 2 }, headers: { 'if-match': etag1 } }), 403, 'FORBIDDEN');
    await expectError(call('deployer', '/models/pneumonia/aliases/staging/rollback', { method: 'POST' }), 404, 'NOT_FOUND');
    await expectError(call('deployer', '/models/pneumonia/aliases/prod/rollback', { method: 'POST' }), 409, 'CONFLICT', /no previous target/);
    expect(await allKeys()).toEqual(before);

    // Canary: 10 % of prod to version 2.
    const canary = await put({ targets: [{ version: 1, weight: 0.9 }, { version: 2, weight: 0.1 }], reason: 'canary v2' }, etag1);
    expect(canary.status).toBe(200);
    const etag2 = canary.headers.get('etag')!;
    expect(await canary.json()).toMatchObject({ targets: [{ version: 1, weight: 0.9 }, { version: 2, weight: 0.1 }], previous: [{ version: 1, weight: 1 }], revision: 2 });
    expect(await j(call('reader', '/models/pneumonia'))).toMatchObject({ versions: [1, 2, 3], aliases: { prod: [{ version: 1, weight: 0.9 }, { version: 2, weight: 0.1 }] } });

    const rolled = await call('deployer', '/models/pneumonia/aliases/prod/rollback', { json: { reason: 'v2 sensitivity dropped' } });
    expect(rolled.status).toBe(200);
    expect(await rolled.json()).toMatchObject({ targets: [{ version: 1, weight: 1 }], previous: [{ version: 1, weight: 0.9 }, { version: 2, weight: 0.1 }], revision: 3 });
    await expectError(call('deployer', '/models/pneumonia/aliases/prod/rollback', { method: 'POST', headers: { 'if-match': etag2 } }), 412, 'PRECONDITION_FAILED');

    // A gate-failed version with force and a reason: recorded.
    const etag3 = rolled.headers.get('etag')!;
    const forced = await put({ version: 3, force: true, reason: 'approved by clinical lead (ticket 77)' }, etag3);
    expect(forced.status).toBe(200);
    expect(await forced.json()).toMatchObject({ force: true, reason: 'approved by clinical lead (ticket 77)' });

    const list = await j(call('reader', '/models/pneumonia/aliases'));
    expect(list.aliases.map((a: { alias: string }) => a.alias)).toEqual(['prod']);
    const audit = await j(call('reader', '/models/pneumonia/audit'));
    expect(audit.entries.map((e: { action: string }) => e.action)).toEqual(['update', 'rollback', 'update', 'create']);
    expect(audit.entries[0]).toMatchObject({ force: true, to: [{ version: 3, weight: 1 }], who: { name: 'ci', role: 'deployer' } });
    expect(audit.entries[1]).toMatchObject({ reason: 'v2 sensitivity dropped', from: [{ version: 1, weight: 0.9 }, { version: 2, weight: 0.1 }], to: [{ version: 1, weight: 1 }] });
    expect(audit.entries[3]).toMatchObject({ reason: 'first release', from: null, at: expect.stringMatching(/^\d{4}-/) });
    expect((await j(call('reader', '/models/pneumonia/audit?limit=1'))).entries).toHaveLength(1);
  });

  it('two concurrent rollouts with the same If-Match: exactly one 200 and one 412', async () => {
    for (let round = 0; round < 3; round++) {
      const etag = (await call('reader', '/models/pneumonia/aliases/prod')).headers.get('etag')!;
      const rs = await Promise.all(
        [1, 2].map((v) => call('deployer', '/models/pneumonia/aliases/prod', { method: 'PUT', json: { version: v }, headers: { 'if-match': etag } })),
      );
      expect(rs.map((r) => r.status).sort()).toEqual([200, 412]);
      expect((await j(rs.find((r) => r.status === 412)!)).error.code).toBe('PRECONDITION_FAILED');
    }
  });

  it('tenant isolation: another tenant gets 404 (not 403) for every resource, and sees only its own', async () => {
    const o = (p: string, init?: Init) => call('other', p, init);
    expect((await j(o('/models'))).models).toEqual([]);
    expect((await j(o('/uploads'))).uploads).toEqual([]);
    expect((await j(o('/jobs'))).jobs).toEqual([]);
    for (const p of [
      '/models/pneumonia', '/models/pneumonia/versions', '/models/pneumonia/versions/1', '/models/pneumonia/versions/1/artifacts/model.int8.onnx',
      '/models/pneumonia/aliases', '/models/pneumonia/aliases/prod', '/models/pneumonia/audit',
      `/uploads/${teacherId}`, `/jobs/${jobId}`, `/jobs/${jobId}/events`, `/jobs/${jobId}/logs`,
    ]) {
      await expectError(o(p), 404, 'NOT_FOUND');
    }
    await expectError(o(`/jobs/${jobId}/cancel`, { method: 'POST' }), 404, 'NOT_FOUND');
    await expectError(o('/models/pneumonia/aliases/prod', { method: 'PUT', json: { version: 1 } }), 404, 'NOT_FOUND');
    await expectError(o('/models/pneumonia/aliases/prod/rollback', { method: 'POST' }), 404, 'NOT_FOUND');
    // Same model name in another tenant: no clash; using the first tenant's uploads: 404.
    expect((await o('/models', { json: { name: 'pneumonia' } })).status).toBe(201);
    await expectError(o('/jobs', { json: { type: 'quantize', model: 'pneumonia', teacher: teacherId, dataset: datasetId } }), 404, 'NOT_FOUND', /not an upload of this tenant/);
    expect((await j(o('/models/pneumonia/versions'))).versions).toEqual([]);
  });

  it('a job that fails registers nothing and keeps its error and logs', async () => {
    const bad = (await j(call('deployer', '/uploads', { body: form(Buffer.from('not an npz file'), 'broken.npz') }))).id;
    const job = await j(call('deployer', '/jobs', { json: { type: 'quantize', model: 'pneumonia', teacher: teacherId, dataset: bad } }));
    const events = await sseEvents(await call('reader', `/jobs/${job.id}/events`));
    const last = events.at(-1)!;
    expect(last.event).toBe('failed');
    expect(last.data).toMatchObject({ status: 'failed', result: null, error: { code: expect.any(String), name: 'DataError', message: expect.stringMatching(/npz|zip/i) } });
    expect((await j(call('reader', '/models/pneumonia/versions'))).versions.map((v: { version: number }) => v.version)).toEqual([1, 2, 3]);
    expect(await (await call('reader', `/jobs/${job.id}/logs`)).text()).toMatch(/failed \[/);
  });
});

describe('API job cancel', () => {
  it('cancels a queued job at once and a running one at its next progress event (SSE ends with cancelled)', async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'medslim-api-cancel-'));
    const s = new FsBlobStore(d, { fsync: false });
    const r = new Registry(s);
    const admin = 'cancel-admin-key-0123456789';
    await r.keys.ensureAdmin({ key: admin });
    const h = { authorization: `Bearer ${admin}` };
    const slow: JobExecutor = {
      ...executors.quantize,
      async run(ctx) {
        for (let i = 0; ; i++) {
          ctx.onProgress({ stage: 'int8', step: 'calibrate-minmax', done: i % 100, total: 100 });
          await new Promise((res) => setTimeout(res, 10));
        }
      },
    };
    const w = new Worker({ store: s, pollMs: 20, progressIntervalMs: 20, executors: { quantize: slow }, log: quiet });
    const queuedOnly = createApp({ store: s, runner: pollingOnlyRunner, log: quiet, ssePollMs: 20 });
    const a = createApp({ store: s, runner: new InProcessRunner(w), log: quiet, ssePollMs: 20 });
    try {
      await a.request('/v1/models', { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'm' }) });
      const up = async (b: Buffer, n: string) => (await j(a.request('/v1/uploads', { method: 'POST', headers: h, body: form(b, n) }))).id;
      const spec = JSON.stringify({ type: 'quantize', model: 'm', teacher: await up(teacher, 't.onnx'), dataset: await up(data, 'd.npz') });
      const post = (app: typeof a, p: string, body?: string) => app.request(`/v1${p}`, { method: 'POST', headers: { ...h, ...(body ? { 'content-type': 'application/json' } : {}) }, body });

      await w.stop(); // hold the worker so the next job stays queued
      const queued = await j(post(queuedOnly, '/jobs', spec));
      const c1 = await post(queuedOnly, `/jobs/${queued.id}/cancel`);
      expect(c1.status).toBe(202);
      expect(await c1.json()).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED', message: expect.stringMatching(/before it started/) } });

      w.start();
      const running = await j(post(a, '/jobs', spec));
      // Wait until the job document shows progress (the job is running), however long the machine takes:
      // cancelling earlier would cancel a queued job, not a running one.
      while ((await j(a.request(`/v1/jobs/${running.id}`, { headers: h }))).progress === null) await new Promise((res) => setTimeout(res, 20));
      const stream = a.request(`/v1/jobs/${running.id}/events`, { headers: h });
      const c2 = await post(a, `/jobs/${running.id}/cancel`);
      expect(c2.status).toBe(202);
      expect(await c2.json()).toMatchObject({ status: 'running', cancelRequested: { by: { role: 'platform' } } });
      const events = await sseEvents(await stream);
      expect(events.at(-1)).toMatchObject({ event: 'cancelled', data: { status: 'cancelled', error: { code: 'CANCELLED' } } });
      expect(events.some((e) => e.event === 'progress' && (e.data.progress as { percent: number } | null)?.percent !== undefined)).toBe(true);
      expect((await j(a.request('/v1/models/m/versions', { headers: h }))).versions).toEqual([]);
    } finally {
      await w.stop();
      await rm(d, { recursive: true, force: true });
    }
  });
});
