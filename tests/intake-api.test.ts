/**
 * Issue 12 through the API: upload an export form and PneumoniaMNIST → quantize job (no contract given: the
 * model or the evidence settles it) → version → predict PNGs of every test image from the served version. The
 * teacher's count in the job's report equals the reference count exactly; the served version answers every
 * test image as the job's INT8 evaluation did; forms medslim cannot read fail the job with the refusal's code,
 * never a 500.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@medslim/api';
import { loadDataset, writeZip } from '@medslim/data';
import { DataType, makeNode, makeValueInfo, readModel, readModelBytes, writeModel } from '@medslim/onnx';
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
  const teacher = await upload(new Uint8Array(readFileSync(join(fixtures, teacherFile))), teacherFile);
  return quantizeUpload(model, teacher, options);
}
/** The same, on a teacher already uploaded. */
async function quantizeUpload(model: string, teacher: string, options: Record<string, unknown> = {}) {
  expect((await call('/models', { json: { name: model } })).status).toBe(201);
  const r = await call('/jobs', { json: { type: 'quantize', model, teacher, dataset: datasetId, options: { calibrationSize: 32, latencyIterations: 2, throughputIterations: 1, ...options } } });
  expect(r.status).toBe(202);
  const id = ((await r.json()) as { id: string }).id;
  await (await call(`/jobs/${id}/events`)).text();
  return (await (await call(`/jobs/${id}`)).json()) as { status: string; result: { version: number } | null; error: { code: string; message: string } | null };
}

type JobView = Awaited<ReturnType<typeof quantizeUpload>>;
/**
 * A succeeded quantize job: the teacher's test count in its report is `ref`, and the served version answers every
 * test image (PNG) like the job's INT8 evaluation.
 */
async function expectServedLikeReport(model: string, job: JobView, ref: number) {
  expect(job.error).toBeNull();
  expect(job.status).toBe('succeeded');
  const version = job.result!.version;
  const report = JSON.parse(await (await call(`/models/${model}/versions/${version}/artifacts/report.json`)).text());
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
    await expectServedLikeReport(model, await quantize(model, file), manifest.forms.find((f) => f.file === file)!.expected.testCorrect!);
  }, 300_000);

  it('a teacher no dataset could make readable is refused at submission with the code and the field (nothing queued); what needs the data fails the job', async () => {
    expect((await call('/models', { json: { name: 'refused' } })).status).toBe(201);
    const submit = async (teacher: string, options: Record<string, unknown> = {}) => {
      const jobsBefore = ((await (await call('/jobs')).json()) as { jobs: unknown[] }).jobs.length;
      const r = await call('/jobs', { json: { type: 'quantize', model: 'refused', teacher, dataset: datasetId, options } });
      const body = (await r.json()) as { error: { code: string; message: string } };
      expect(((await (await call('/jobs')).json()) as { jobs: unknown[] }).jobs.length).toBe(jobsBefore);
      return { status: r.status, ...body.error };
    };
    const fixture = (file: string) => upload(new Uint8Array(readFileSync(join(fixtures, file))), file.split('/').pop()!);
    expect(await submit(await fixture('label-only.onnx'))).toMatchObject({ status: 400, code: 'MODEL_OUTPUT', message: expect.stringMatching(/'label' int64 \[batch\]/) });
    expect(await submit(await fixture('int64-logits.onnx'))).toMatchObject({ status: 400, code: 'UNSUPPORTED_TYPE', message: expect.stringMatching(/integer scores have an unknown scale/) });
    // The same for compress jobs.
    const r = await call('/jobs', { json: { type: 'compress', model: 'refused', teacher: await fixture('int64-logits.onnx'), dataset: datasetId, preset: 'quick' } });
    expect([r.status, ((await r.json()) as { error: { code: string } }).error.code]).toEqual([400, 'UNSUPPORTED_TYPE']);
    // A mean/std that contradicts the model's one channel, naming the field.
    expect(await submit(await fixture('plain.onnx'), { contract: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } }))
      .toMatchObject({ status: 400, code: 'BAD_CONTRACT', message: expect.stringMatching(/--mean` has 3 values but .* takes 1 channel|mean.* has 3 values but .* 1 channel/) });
    // Two outputs of the same K whose names prefer neither: ambiguous for any dataset; contract.output settles it.
    const twins = readModel(readFileSync(join(fixtures, 'plain.onnx')));
    twins.graph!.node!.push(makeNode('Identity', ['output'], ['output_copy']));
    twins.graph!.output!.push(makeValueInfo('output_copy', DataType.FLOAT, ['batch', 2]));
    const twinsId = await upload(writeModel(twins), 'twins.onnx');
    expect(await submit(twinsId)).toMatchObject({ status: 400, code: 'AMBIGUOUS_OUTPUT', message: expect.stringMatching(/--output <name> \(API: contract.output\)/) });
    // One .onnx uploaded without its external data file.
    expect(await submit(await fixture('external/model.onnx'))).toMatchObject({ status: 400, code: 'EXTERNAL_DATA', message: expect.stringMatching(/'model.onnx.data', which were not uploaded with it; upload the model again with them — multipart field 'files'/) });
    // contract.output settles the twins; the job runs (x/255 by the evidence rule) and reads the reference count.
    const settled = await quantizeUpload('twins', twinsId, { contract: { output: 'output' } });
    expect(settled).toMatchObject({ status: 'succeeded', error: null });
    const report = JSON.parse(await (await call(`/models/twins/versions/${settled.result!.version}/artifacts/report.json`)).text());
    expect(Math.round(report.stages[0].test.accuracy * 624)).toBe(551);
    // An embedding named as the output is readable for a 32-class dataset: accepted, and refused by the job, which has the data.
    const emb = await quantize('embedding', 'two-outputs.onnx', { contract: { output: 'embedding' } });
    expect(emb).toMatchObject({ status: 'failed', error: { code: 'CLASS_MISMATCH' } });
    const bad = await call('/jobs', { json: { type: 'quantize', model: 'embedding', teacher: datasetId, dataset: datasetId, options: { contract: { layout: 'NCWH' } } } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/contract\.layout/);
  }, 300_000);
});

describe('API: a model with external data (model.onnx + model.onnx.data), uploaded as several files or one zip', () => {
  const extDir = join(fixtures, 'external');
  const onnxBytes = new Uint8Array(readFileSync(join(extDir, 'model.onnx')));
  const dataBytes = new Uint8Array(readFileSync(join(extDir, 'model.onnx.data')));
  /** POST /uploads with `parts` as [field, bytes, filename]. */
  const post = (parts: [string, Uint8Array, string][]) => {
    const f = new FormData();
    for (const [field, bytes, name] of parts) f.append(field, new Blob([bytes]), name);
    return call('/uploads', { body: f });
  };
  const uploadCount = async () => ((await (await call('/uploads')).json()) as { uploads: unknown[] }).uploads.length;

  it('both ways store one self-contained teacher (the bytes medslim reads by path), which quantizes with the reference count and serves', async () => {
    const selfContained = createHash('sha256').update(readModelBytes(join(extDir, 'model.onnx'))).digest('hex');
    const multi = await post([['files', onnxBytes, 'model.onnx'], ['files', dataBytes, 'model.onnx.data']]);
    expect(multi.status).toBe(201);
    const m = (await multi.json()) as { id: string; sha256: string; filename: string; bytes: number };
    expect(m).toMatchObject({ sha256: selfContained, filename: 'model.onnx' });
    // A zip with the files in a folder, deflated.
    const zipped = await post([['file', writeZip({ 'teacher/model.onnx': onnxBytes, 'teacher/model.onnx.data': dataBytes }, { compress: true }), 'teacher.zip']]);
    expect(zipped.status).toBe(201);
    const z = (await zipped.json()) as { id: string; sha256: string; filename: string };
    expect(z).toMatchObject({ sha256: selfContained, filename: 'model.onnx' });
    const ref = manifest.forms.find((f) => f.file === 'external/model.onnx')!.expected.testCorrect!;
    expect(ref).toBe(551);
    await expectServedLikeReport('external-zip', await quantizeUpload('external-zip', z.id), ref);
    const fromFiles = await quantizeUpload('external-files', m.id);
    expect(fromFiles).toMatchObject({ status: 'succeeded', error: null });
    const report = JSON.parse(await (await call(`/models/external-files/versions/${fromFiles.result!.version}/artifacts/report.json`)).text());
    expect(Math.round(report.stages[0].test.accuracy * 624)).toBe(ref);
  }, 300_000);

  it('refuses a missing data file (named), names leaving the upload, and a zip bomb — storing nothing', async () => {
    const before = await uploadCount();
    const expectRefusal = async (r: Response, status: number, code: string, message: RegExp) => {
      expect(r.status).toBe(status);
      const body = (await r.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message).toMatch(message);
    };
    await expectRefusal(await post([['files', onnxBytes, 'model.onnx']]), 400, 'EXTERNAL_DATA', /in the external data file 'model.onnx.data', which was not uploaded with it/);
    await expectRefusal(await post([['file', writeZip({ 'model.onnx': onnxBytes }), 'model.zip']]), 400, 'EXTERNAL_DATA', /zip 'model.zip': model.onnx keeps tensor .* 'model.onnx.data', which was not uploaded/);
    await expectRefusal(await post([['files', onnxBytes, 'model.onnx'], ['files', dataBytes, '../model.onnx.data']]), 400, 'BAD_BUNDLE', /'..\/model.onnx.data' is not a relative path inside the upload/);
    await expectRefusal(await post([['file', writeZip({ 'model.onnx': onnxBytes, '/tmp/model.onnx.data': dataBytes }), 'model.zip']]), 400, 'BAD_BUNDLE', /'\/tmp\/model.onnx.data' is not a relative path/);
    await expectRefusal(await post([['file', writeZip({ 'model.onnx': onnxBytes, 'x/../../model.onnx.data': dataBytes }), 'model.zip']]), 400, 'BAD_BUNDLE', /not a relative path/);
    // 17 MiB of zeros deflate to ~17 KB: the member declares more than the 16 MiB upload limit and is never inflated.
    const bomb = writeZip({ 'model.onnx': onnxBytes, 'model.onnx.data': new Uint8Array(17 * 1024 * 1024) }, { compress: true });
    expect(bomb.byteLength).toBeLessThan(100_000);
    await expectRefusal(await post([['file', bomb, 'model.zip']]), 413, 'ZIP_TOO_LARGE', /member 'model.onnx.data' declares 17825792 bytes, more than the 16777216 bytes/);
    await expectRefusal(await post([['files', dataBytes, 'model.onnx.data'], ['file', onnxBytes, 'model.onnx']]), 400, 'BAD_REQUEST', /not both/);
    expect(await uploadCount()).toBe(before);
  }, 60_000);
});
