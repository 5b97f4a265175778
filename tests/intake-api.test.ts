/**
 * Issue 12 through the API: upload an export form and PneumoniaMNIST → quantize job (no contract given: the
 * model or the evidence settles it) → version → predict PNGs of every test image from the served version. The
 * teacher's count in the job's report equals the reference count exactly; the served version answers every
 * test image as the job's INT8 evaluation did; forms medslim cannot read fail the job with the refusal's code,
 * never a 500.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@medslim/api';
import { loadDataset } from '@medslim/data';
import { connectRegistry, createInferApp } from '@medslim/infer';
import { InProcessRunner, Worker } from '@medslim/jobs';
import { FsBlobStore, Registry } from '@medslim/registry';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(repoRoot, 'tests', 'fixtures', 'exports');
const manifest = JSON.parse(readFileSync(join(fixtures, 'manifest.json'), 'utf8')) as { dataset: string; labels: string[]; forms: { file: string; form: string; expected: { outcome: string; testCorrect?: number } }[] };
const dataPath = join(repoRoot, manifest.dataset);
const test = loadDataset(dataPath).splits.test!;

let dir: string;
let worker: Worker;
let api: ReturnType<typeof createApp>;
let infer: ReturnType<typeof createInferApp>;
let key = '';
let datasetId = '';
const call = (p: string, init: { json?: unknown; body?: RequestInit['body']; type?: string } = {}) =>
  api.request(`/v1${p}`, {
    method: init.json !== undefined || init.body !== undefined ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${key}`, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
const upload = async (bytes: Uint8Array, filename: string): Promise<string> => {
  const f = new FormData();
  f.append('file', new Blob([bytes]), filename);
  const r = await call('/uploads', { body: f });
  expect(r.status).toBe(201);
  return ((await r.json()) as { id: string }).id;
};
/** Submit a quantize job and wait for its end (the SSE stream closes with 'done'). */
async function quantize(model: string, teacherFile: string, options: Record<string, unknown> = {}) {
  expect((await call('/models', { json: { name: model } })).status).toBe(201);
  const teacher = await upload(new Uint8Array(readFileSync(join(fixtures, teacherFile))), teacherFile);
  const r = await call('/jobs', { json: { type: 'quantize', model, teacher, dataset: datasetId, options: { calibrationSize: 32, latencyIterations: 2, throughputIterations: 1, ...options } } });
  expect(r.status).toBe(202);
  const id = ((await r.json()) as { id: string }).id;
  await (await call(`/jobs/${id}/events`)).text();
  return (await (await call(`/jobs/${id}`)).json()) as { status: string; result: { version: number } | null; error: { code: string; message: string } | null };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medslim-intake-api-'));
  const store = new FsBlobStore(join(dir, 'store'), { fsync: false });
  const reg = new Registry(store);
  key = (await reg.keys.create({ tenant: 'st-marys', role: 'deployer', by: null })).key;
  worker = new Worker({ store, pollMs: 20, progressIntervalMs: 200, log: () => {} });
  api = createApp({ store, runner: new InProcessRunner(worker), maxUploadBytes: 16 * 1024 * 1024, maxJsonBytes: 4096, ssePollMs: 50, log: () => {} });
  infer = createInferApp({ ...connectRegistry(reg), log: () => {} });
  datasetId = await upload(new Uint8Array(readFileSync(dataPath)), 'pneumoniamnist.npz');
});
afterAll(async () => {
  await worker.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('API: upload → quantize job → version → predict, for export forms', () => {
  it.each([
    ['batch1.onnx', 'batch1'],
    ['nhwc-rgb-softmax.onnx', 'keras-probs'],
    ['uint8-input.onnx', 'uint8'],
    ['fp16-io.onnx', 'fp16'],
    ['two-outputs.onnx', 'two-outputs'],
  ])('%s: the report has the reference count; the served version answers every test image like the job\'s INT8 evaluation', async (file, model) => {
    const job = await quantize(model, file);
    expect(job.error).toBeNull();
    expect(job.status).toBe('succeeded');
    const version = job.result!.version;
    const report = JSON.parse(await (await call(`/models/${model}/versions/${version}/artifacts/report.json`)).text());
    const ref = manifest.forms.find((f) => f.file === file)!.expected.testCorrect!;
    expect(Math.round(report.stages[0].test.accuracy * 624)).toBe(ref);
    const int8Correct = Math.round(report.stages[1].test.accuracy * 624);
    let served = 0;
    for (let i = 0; i < test.count; i++) {
      const png = await sharp(Buffer.from(test.images.data.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
      const r = await infer.request(`/v1/models/${model}/predict?version=${version}`, { method: 'POST', body: png, headers: { authorization: `Bearer ${key}`, 'content-type': 'image/png' } });
      expect(r.status).toBe(200);
      const p = ((await r.json()) as { predictions: { label: string; probabilities: Record<string, number> }[] }).predictions[0];
      const probs = Object.values(p.probabilities);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
      if (p.label === String(test.labels[i]) || p.label === manifest.labels[test.labels[i]]) served++;
    }
    // Serving runs one image at a time and the job 64 at a time: ORT's kernels may round a near-tie differently.
    expect(Math.abs(served - int8Correct)).toBeLessThanOrEqual(2);
  }, 300_000);

  it('forms medslim cannot read fail the job with the refusal (never a 500, nothing registered); a given contract is used', async () => {
    const only = await quantize('label-only', 'label-only.onnx');
    expect(only).toMatchObject({ status: 'failed', result: null, error: { code: 'MODEL_OUTPUT' } });
    expect(only.error!.message).toMatch(/'label' int64 \[batch\]/);
    const ints = await quantize('int64-scores', 'int64-logits.onnx');
    expect(ints).toMatchObject({ status: 'failed', error: { code: 'UNSUPPORTED_TYPE' } });
    // An embedding named as the output is refused by K; the job spec's contract chooses the output.
    const emb = await quantize('embedding', 'two-outputs.onnx', { contract: { output: 'embedding' } });
    expect(emb).toMatchObject({ status: 'failed', error: { code: 'CLASS_MISMATCH' } });
    const bad = await call('/jobs', { json: { type: 'quantize', model: 'embedding', teacher: datasetId, dataset: datasetId, options: { contract: { layout: 'NCWH' } } } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/contract\.layout/);
  }, 300_000);
});
