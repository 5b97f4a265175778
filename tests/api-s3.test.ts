/**
 * The API on the S3 store (s3rver, a real HTTP S3 emulator on 127.0.0.1, port 0), configured the way
 * Lambda is (`configFromEnv`: MEDSLIM_STORE=s3://…, downloads redirect to presigned URLs):
 * multipart upload streamed to S3, a presigned upload (PUT straight to the store, then complete),
 * a job run by a worker on the same bucket, and an artifact fetched through its presigned URL.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { makeS3rverPutsAtomic } from '../packages/registry/src/store/testing/atomic-puts.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv, createApp } from '@medslim/api';
import { Registry, S3BlobStore } from '@medslim/registry';
import { InProcessRunner, Worker } from '@medslim/jobs';
import { syntheticTeacherAndData } from './helpers/fixtures.ts';

const ADMIN = 's3-test-admin-key-0123456789';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let dir: string;
let s3: S3rver;
let endpoint: string;
let files: { modelPath: string; dataPath: string };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'medslim-api-s3-'));
  files = await syntheticTeacherAndData(dir, { channels: 1, classes: 2, size: 8, counts: [32, 8, 16] });
  makeS3rverPutsAtomic();
  s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(dir, 's3rver'), configureBuckets: [{ name: 'medslim' }] });
  endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
  process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
});
afterAll(async () => {
  await s3.close();
  await rm(dir, { recursive: true, force: true });
});

describe('API on the S3 store (s3rver)', () => {
  it('configFromEnv: multipart and presigned uploads, a job through the worker, artifact download by presigned redirect', async () => {
    const deps = configFromEnv({ MEDSLIM_STORE: `s3://medslim/prod?region=us-east-1&endpoint=${encodeURIComponent(endpoint)}`, MEDSLIM_MAX_UPLOAD_BYTES: '1000000' });
    expect(deps.redirectDownloads).toBe(true);
    expect(deps.store.describe()).toBe(`s3://medslim/prod/ at ${endpoint}`);
    // Same bucket and prefix, but with the emulator's credentials set explicitly.
    const store = new S3BlobStore({
      bucket: 'medslim',
      prefix: 'prod',
      client: new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }),
    });
    await new Registry(store).keys.ensureAdmin({ key: ADMIN });
    const worker = new Worker({ store, pollMs: 20, log: () => {} });
    const app = createApp({ ...deps, store, runner: new InProcessRunner(worker), ssePollMs: 30, log: () => {} });
    const h = { authorization: `Bearer ${ADMIN}` };
    const json = { ...h, 'content-type': 'application/json' };
    try {
      expect((await app.request('/v1/models', { method: 'POST', headers: json, body: JSON.stringify({ name: 'pneumonia' }) })).status).toBe(201);

      const teacher = readFileSync(files.modelPath);
      const form = new FormData();
      form.append('file', new Blob([teacher]), 'teacher.onnx');
      const t = (await (await app.request('/v1/uploads', { method: 'POST', headers: h, body: form })).json()) as { id: string; sha256: string };
      expect(t.sha256).toBe(sha(teacher));

      const data = readFileSync(files.dataPath);
      const pre = await app.request('/v1/uploads/presign', { method: 'POST', headers: json, body: JSON.stringify({ filename: 'data.npz', expiresInSeconds: 600 }) });
      expect(pre.status).toBe(201);
      const presigned = (await pre.json()) as { id: string; url: string; method: string; expiresInSeconds: number };
      expect(presigned).toMatchObject({ method: 'PUT', expiresInSeconds: 600, url: expect.stringContaining(endpoint) });
      const early = await app.request(`/v1/uploads/${presigned.id}/complete`, { method: 'POST', headers: h });
      expect(early.status).toBe(409); // nothing PUT yet
      expect((await fetch(presigned.url, { method: 'PUT', body: data })).status).toBe(200);
      const done = (await (await app.request(`/v1/uploads/${presigned.id}/complete`, { method: 'POST', headers: h })).json()) as { status: string; sha256: string; bytes: number };
      expect(done).toMatchObject({ status: 'ready', sha256: sha(data), bytes: data.byteLength });

      const job = (await (await app.request('/v1/jobs', { method: 'POST', headers: json, body: JSON.stringify({ type: 'quantize', model: 'pneumonia', teacher: t.id, dataset: presigned.id, options: { calibrationSize: 16, latencyIterations: 5, throughputIterations: 1 } }) })).json()) as { id: string };
      const events = await (await app.request(`/v1/jobs/${job.id}/events`, { headers: h })).text();
      expect(events).toMatch(/event: done/);

      const v = (await (await app.request('/v1/models/pneumonia/versions/1', { headers: h })).json()) as { artifacts: { file: string; sha256: string }[]; lineage: { dataset: { sha256: string } } };
      expect(v.lineage.dataset.sha256).toBe(sha(data));
      const redirect = await app.request('/v1/models/pneumonia/versions/1/artifacts/model.int8.onnx', { headers: h });
      expect(redirect.status).toBe(307);
      const bytes = new Uint8Array(await (await fetch(redirect.headers.get('location')!)).arrayBuffer());
      expect(sha(bytes)).toBe(v.artifacts.find((a) => a.file === 'model.int8.onnx')!.sha256);

      // The upload limit from MEDSLIM_MAX_UPLOAD_BYTES applies; nothing is stored.
      const big = new FormData();
      big.append('file', new Blob([new Uint8Array(1_200_000)]), 'big.onnx');
      expect((await app.request('/v1/uploads', { method: 'POST', headers: h, body: big })).status).toBe(413);
      expect(((await (await app.request('/v1/uploads', { headers: h })).json()) as { uploads: unknown[] }).uploads).toHaveLength(2);
    } finally {
      await worker.stop();
    }
  });

  it('configFromEnv names the variable that is missing or malformed', () => {
    expect(() => configFromEnv({})).toThrow(/MEDSLIM_STORE is not set/);
    expect(() => configFromEnv({ MEDSLIM_STORE: 's3://b', MEDSLIM_MAX_UPLOAD_BYTES: '-1' })).toThrow(/MEDSLIM_MAX_UPLOAD_BYTES must be an integer ≥ 1 \(got '-1'\)/);
  });
});
