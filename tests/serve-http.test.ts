/**
 * The inference function over HTTP (`app.request`, and a real @hono/node-server for the fast body
 * path): predictions from JSON, PNG and DICOM equal in-process probabilities; canary routing by
 * request id; every bad input answers a clear 4xx and the next request still succeeds; a version
 * whose files are missing answers 503 while the other canary target keeps serving; metrics.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractToMetadata, loadDataset, toModelInput, type NdArray } from '@medslim/data';
import { writeModel } from '@medslim/onnx';
import { tinyResNet } from '@medslim/onnx/testing';
import { InMemoryModelSource, routeAlias, routeSalt } from '@medslim/serving';
import { startServer } from '@medslim/http';
import { combineFetch, createInferApp, type InferApp } from '@medslim/infer';
import { examples } from './helpers/fixtures.ts';
import { imageDicom } from './helpers/serve-dicom.ts';

const READER = 'msk_reader_key_for_tests_0000000000';
const OTHER = 'msk_other_tenant_key_for_tests_00000';
const contract = { layout: 'NCHW' as const, scale: 1 / 255, mean: [0.5], std: [0.5] };
const tinyMeta = { 'medslim.preprocess': contractToMetadata(contract), 'medslim.labels': 'normal,pneumonia' };
const CANARY = [{ version: 1, weight: 0.9 }, { version: 2, weight: 0.1 }];
const BROKEN = [{ version: 1, weight: 0.5 }, { version: 3, weight: 0.5 }];

let app: InferApp;
let logs: string[];
let images: NdArray;
let teacher: Uint8Array;
const px = (i: number) => (images.data as Uint8Array).slice(i * 784, (i + 1) * 784);

type Json = Record<string, any>;
async function call(path: string, init: { body?: string | Uint8Array; type?: string; key?: string | null; id?: string; method?: string } = {}): Promise<{ status: number; body: Json; text: string; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (init.key !== null) headers.authorization = `Bearer ${init.key ?? READER}`;
  if (init.type) headers['content-type'] = init.type;
  if (init.id) headers['x-request-id'] = init.id;
  const res = await app.request(path, { method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'), headers, body: init.body as RequestInit['body'] });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, text, headers: res.headers };
}
const predictJson = (model: string, inputs: unknown, q = '', id?: string) => call(`/v1/models/${model}/predict${q}`, { body: JSON.stringify({ inputs }), type: 'application/json', id });
const tinyInput = (v = 0.25) => [[Array.from({ length: 8 }, () => new Array(8).fill(v))]];

/** A request that must succeed right after a bad one: the server keeps serving. */
async function stillServing(): Promise<void> {
  const r = await predictJson('tiny', tinyInput(), '?version=1');
  expect(r.status).toBe(200);
  expect(r.body.predictions).toHaveLength(1);
}

beforeAll(async () => {
  images = loadDataset(join(examples, 'pneumoniamnist.npz')).splits.test!.images;
  teacher = new Uint8Array(readFileSync(join(examples, 'pneumoniamnist-resnet18.onnx')));
  const tiny = (seed: number) => writeModel(tinyResNet({ channels: 1, classes: 2, size: 8, seed, metadata: tinyMeta }));
  const source = new InMemoryModelSource()
    .addVersion({ model: 'pneumonia', version: 1, bytes: teacher })
    .setAlias({ model: 'pneumonia', alias: 'prod', targets: [{ version: 1, weight: 1 }] })
    .addVersion({ model: 'tiny', version: 1, bytes: tiny(1) })
    .addVersion({ model: 'tiny', version: 2, bytes: tiny(2) })
    .addVersion({ model: 'tiny', version: 3, bytes: null }) // registered, files gone
    .setAlias({ model: 'tiny', alias: 'prod', targets: CANARY })
    .setAlias({ model: 'tiny', alias: 'broken', targets: BROKEN })
    .addVersion({ tenant: 'other', model: 'secret', version: 1, bytes: tiny(5) })
    .setAlias({ tenant: 'other', model: 'secret', alias: 'prod', targets: [{ version: 1, weight: 1 }] });
  logs = [];
  app = createInferApp({
    source,
    authenticate: async (k) => (k === READER ? { tenant: 'default', role: 'reader' } : k === OTHER ? { tenant: 'other', role: 'reader' } : null),
    config: { maxBatch: 8, bodyLimitBytes: 200_000, failureTtlMs: 0, intraOpNumThreads: 1, cost: { memoryMb: 512, architecture: 'x86_64' } },
    log: (l) => logs.push(l),
  });
});

describe('predictions over HTTP equal in-process probabilities (PneumoniaMNIST ResNet-18 teacher)', () => {
  let expected: number[][]; // softmax of in-process logits, test images 0..3
  beforeAll(async () => {
    const s = await ort.InferenceSession.create(teacher, { intraOpNumThreads: 1 });
    const x = toModelInput(images, contract, { channels: 1, start: 0, count: 4 });
    const logits = (await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x.data, x.dims) }))[s.outputNames[0]].data as Float32Array;
    expected = [0, 1, 2, 3].map((i) => {
      const l = [logits[2 * i], logits[2 * i + 1]];
      const m = Math.max(...l);
      const e = l.map((v) => Math.exp(v - m));
      return e.map((v) => v / (e[0] + e[1]));
    });
    await s.release();
  });
  const close = (got: Json, want: number[]) => {
    expect(Math.abs(got.probabilities.normal - want[0])).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(got.probabilities.pneumonia - want[1])).toBeLessThanOrEqual(1e-6);
    expect(got.label).toBe(want[1] > want[0] ? 'pneumonia' : 'normal');
  };

  it('JSON: a batch of 4 in the model contract, nested [N, C, H, W]', async () => {
    const x = toModelInput(images, contract, { channels: 1, start: 0, count: 4 });
    const nested = [0, 1, 2, 3].map((i) => [Array.from({ length: 28 }, (_, r) => Array.from(x.data.subarray(i * 784 + r * 28, i * 784 + r * 28 + 28)))]);
    const r = await predictJson('pneumonia', nested);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ model: 'pneumonia', version: 1, alias: 'prod' });
    expect(typeof r.body.latencyMs).toBe('number');
    expect(Object.keys(r.body).sort()).toEqual(['alias', 'latencyMs', 'model', 'predictions', 'version']);
    r.body.predictions.forEach((p: Json, i: number) => close(p, expected[i]));
  });

  it('PNG made by sharp from each test image', async () => {
    for (const i of [0, 1, 2, 3]) {
      const png = await sharp(Buffer.from(px(i)), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
      const r = await call('/v1/models/pneumonia/predict', { body: png, type: 'image/png' });
      expect(r.status).toBe(200);
      close(r.body.predictions[0], expected[i]);
    }
  });

  it('DICOM (16-bit MONOCHROME2 with rescale and window) made from each test image', async () => {
    for (const i of [0, 1, 2, 3]) {
      const stored = Uint16Array.from(px(i), (v) => v * 4 + 100);
      const dcm = imageDicom({ rows: 28, columns: 28, photometric: 'MONOCHROME2', bitsAllocated: 16, slope: 0.25, intercept: -25, window: { center: 128, width: 256 }, pixels: stored });
      const r = await call('/v1/models/pneumonia/predict', { body: dcm, type: 'application/dicom' });
      expect(r.status).toBe(200);
      close(r.body.predictions[0], expected[i]);
    }
  });
});

describe('alias and canary routing', () => {
  it('a 10 % canary receives 10 % ± 2 % of 5,000 requests with distinct ids; the response names the version', async () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < 5000; i++) {
      const r = await predictJson('tiny', tinyInput(), '', `canary-${i}`);
      expect(r.status).toBe(200);
      counts.set(r.body.version, (counts.get(r.body.version) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([1, 2]);
    expect(counts.get(2)! / 5000).toBeGreaterThanOrEqual(0.08);
    expect(counts.get(2)! / 5000).toBeLessThanOrEqual(0.12);
  }, 60_000);

  it('retries of one request id always reach the same version, and the id is echoed', async () => {
    for (const id of ['retry-1', 'retry-2', 'retry-3', 'retry-4']) {
      const versions = new Set<number>();
      for (let k = 0; k < 10; k++) {
        const r = await predictJson('tiny', tinyInput(), '', id);
        versions.add(r.body.version);
        expect(r.headers.get('x-request-id')).toBe(id);
      }
      expect([...versions]).toEqual([routeAlias(CANARY, id, Math.random, routeSalt('default', 'tiny', 'prod'))]);
    }
  });

  it('?version= pins a version (alias null); ?alias= picks an alias; both → 400', async () => {
    const v2 = await predictJson('tiny', tinyInput(), '?version=2');
    expect(v2.body).toMatchObject({ version: 2, alias: null });
    const viaAlias = await predictJson('tiny', tinyInput(), '?alias=prod', 'pin-x');
    expect(viaAlias.body).toMatchObject({ version: routeAlias(CANARY, 'pin-x', Math.random, routeSalt('default', 'tiny', 'prod')), alias: 'prod' });
    const both = await predictJson('tiny', tinyInput(), '?version=2&alias=prod');
    expect(both.status).toBe(400);
    expect((await predictJson('tiny', tinyInput(), '?version=two')).status).toBe(400);
  });
});

describe('bad input answers 4xx with a clear message, and the server keeps serving', () => {
  const cases: [string, () => Promise<{ status: number; body: Json; text: string }>, number, string, RegExp][] = [
    ['wrong shape', () => predictJson('tiny', { shape: [1, 1, 8, 7], data: new Array(56).fill(0.123456789) }), 400, 'INVALID_INPUT', /width 7 but the model takes 8/],
    ['wrong channel count', () => predictJson('tiny', { shape: [1, 3, 8, 8], data: new Array(192).fill(0.123456789) }), 400, 'INVALID_INPUT', /3 channels but the model takes 1/],
    ['NaN', () => call('/v1/models/tiny/predict', { body: '{"inputs": {"shape": [1, 1, 8, 8], "data": [NaN]}}', type: 'application/json' }), 400, 'MALFORMED_JSON', /no NaN or Infinity/],
    ['Infinity (1e999)', () => call('/v1/models/tiny/predict', { body: `{"inputs": {"shape": [1, 1, 8, 8], "data": [1e999${',0.5'.repeat(63)}]}}`, type: 'application/json' }), 400, 'INVALID_INPUT', /not a finite float32/],
    ['batch above the maximum', () => predictJson('tiny', { shape: [9, 1, 8, 8], data: new Array(9 * 64).fill(0.1) }), 400, 'BATCH_TOO_LARGE', /9 examples, more than the maximum batch of 8/],
    ['body above the limit', () => call('/v1/models/tiny/predict', { body: JSON.stringify({ inputs: { shape: [1, 1, 8, 8], data: new Array(64).fill(0.1) }, pad: 'x'.repeat(250_000) }), type: 'application/json' }), 413, 'PAYLOAD_TOO_LARGE', /exceeds the limit of 200000 bytes/],
    ['bytes that are not an image', () => call('/v1/models/tiny/predict', { body: new TextEncoder().encode('GIF? no, plain text'), type: 'image/png' }), 400, 'NOT_AN_IMAGE', /not a PNG or JPEG image/],
    ['DICOM without pixel data', () => call('/v1/models/tiny/predict', { body: imageDicom({ rows: 8, columns: 8, photometric: 'MONOCHROME2', bitsAllocated: 8 }), type: 'application/dicom' }), 400, 'NO_PIXEL_DATA', /no Pixel Data/],
    ['DICOM with a JPEG transfer syntax', () => call('/v1/models/tiny/predict', { body: imageDicom({ rows: 8, columns: 8, photometric: 'MONOCHROME2', bitsAllocated: 8, pixels: new Uint8Array(64), ts: '1.2.840.10008.1.2.4.50' }), type: 'application/dicom' }), 415, 'UNSUPPORTED_TRANSFER_SYNTAX', /1\.2\.840\.10008\.1\.2\.4\.50 \(JPEG Baseline/],
    ['an unsupported Content-Type', () => call('/v1/models/tiny/predict', { body: 'x', type: 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE', /application\/json, image\/png, image\/jpeg, application\/dicom/],
    ['malformed JSON', () => call('/v1/models/tiny/predict', { body: '{"inputs": [[[', type: 'application/json' }), 400, 'MALFORMED_JSON', /not valid JSON/],
    ['unknown model', () => predictJson('nope', tinyInput()), 404, 'NOT_FOUND', /model 'nope' not found/],
    ['unknown alias', () => predictJson('tiny', tinyInput(), '?alias=staging'), 404, 'NOT_FOUND', /alias 'staging' of model 'tiny' not found/],
    ['unknown version', () => predictJson('tiny', tinyInput(), '?version=42'), 404, 'NOT_FOUND', /version 42 of model 'tiny' not found/],
    ["another tenant's model", () => predictJson('secret', tinyInput()), 404, 'NOT_FOUND', /model 'secret' not found/],
    ['no API key', () => call('/v1/models/tiny/predict', { body: '{}', type: 'application/json', key: null }), 401, 'UNAUTHORIZED', /missing API key/],
    ['a wrong API key', () => call('/v1/models/tiny/predict', { body: '{}', type: 'application/json', key: 'msk_wrong' }), 401, 'UNAUTHORIZED', /invalid API key/],
  ];
  for (const [name, send, status, code, message] of cases) {
    it(name, async () => {
      const r = await send();
      expect(r.status).toBe(status);
      expect(r.body.error.code).toBe(code);
      expect(r.body.error.message).toMatch(message);
      expect(r.text).not.toContain('0.123456789'); // the input is never echoed
      await stillServing();
    });
  }

  it('401 carries WWW-Authenticate; nothing logged any input', async () => {
    const r = await call('/v1/models/tiny/predict', { body: '{}', type: 'application/json', key: null });
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
    expect(logs.join('\n')).not.toContain('0.123456789');
  });
});

describe('a version whose files are missing', () => {
  it('answers 503 naming the version while the other canary target keeps serving', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `broken-${i}`);
    const toV3 = ids.filter((id) => routeAlias(BROKEN, id, Math.random, routeSalt('default', 'tiny', 'broken')) === 3);
    const toV1 = ids.filter((id) => routeAlias(BROKEN, id, Math.random, routeSalt('default', 'tiny', 'broken')) === 1);
    expect(toV3.length).toBeGreaterThan(0);
    expect(toV1.length).toBeGreaterThan(0);
    for (const id of toV3.slice(0, 3)) {
      const r = await predictJson('tiny', tinyInput(), '?alias=broken', id);
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('MODEL_UNAVAILABLE');
      expect(r.body.error.message).toMatch(/model 'tiny' version 3 is unavailable: .*missing from the store.*alias 'broken'/);
    }
    for (const id of toV1.slice(0, 3)) {
      const r = await predictJson('tiny', tinyInput(), '?alias=broken', id);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ version: 1, alias: 'broken' });
    }
    expect(logs.some((l) => /→ 503: .*version 3/.test(l))).toBe(true);
  });
});

describe('metrics', () => {
  it('per version and over all: requests, errors, latency quantiles, cost per prediction, last hour', async () => {
    const r = await call('/v1/models/tiny/metrics');
    expect(r.status).toBe(200);
    expect(r.body.model).toBe('tiny');
    expect(r.body.pricing).toMatchObject({ memoryMb: 512, architecture: 'x86_64', pricePerRequest: 0.2e-6, pricePerGbSecond: 0.0000166667 });
    const versions = r.body.versions.map((v: Json) => v.version);
    expect(versions).toEqual([1, 2, 3]);
    const v3 = r.body.versions.find((v: Json) => v.version === 3);
    expect(v3).toMatchObject({ requests: 3, errors: 3, serverErrors: 3, predictions: 0, usdPerPrediction: null });
    const all = r.body.all;
    expect(all.requests).toBe(r.body.versions.reduce((a: number, v: Json) => a + v.requests, 0));
    expect(all.requests).toBeGreaterThan(5000);
    expect(all.requestsLastHour).toBe(all.requests);
    for (const k of ['modelMs', 'requestMs']) for (const q of ['p50', 'p95', 'p99']) expect(all[k][q]).toBeGreaterThan(0);
    expect(all.requestMs.p50).toBeGreaterThanOrEqual(all.modelMs.p50);
    // Every successful request here is billed 1–few ms at 512 MB: (0.2e-6 + 0.5 × 0.001·k × 0.0000166667) per prediction.
    expect(all.usdPerPrediction).toBeGreaterThanOrEqual(0.2e-6 + 0.5 * 0.001 * 0.0000166667 - 1e-18);
    expect(all.usdPer1M).toBeCloseTo(all.usdPerPrediction * 1e6, 12);
    expect(all.usdPer1k).toBeCloseTo(all.usdPerPrediction * 1e3, 12);

    const one = await call('/v1/models/tiny/versions/2/metrics');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ model: 'tiny', version: 2, requests: r.body.versions.find((v: Json) => v.version === 2).requests });
    expect((await call('/v1/models/tiny/versions/x/metrics')).status).toBe(400);
    // Another tenant sees none of it.
    const other = await call('/v1/models/tiny/metrics', { key: OTHER });
    expect(other.body).toMatchObject({ versions: [], all: { requests: 0 } });
  });

  it('GET /v1/inference/openapi.json needs no key and describes every inference route with the enforced limits', async () => {
    const r = await call('/v1/inference/openapi.json', { key: null });
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.0.3');
    expect(Object.keys(r.body.paths).sort()).toEqual(['/healthz', '/v1/inference/status', '/v1/models/{name}/metrics', '/v1/models/{name}/predict', '/v1/models/{name}/versions/{v}/metrics']);
    const predict = r.body.paths['/v1/models/{name}/predict'].post;
    expect(Object.keys(predict.requestBody.content).sort()).toEqual(['application/dicom', 'application/json', 'image/jpeg', 'image/png']);
    expect(Object.keys(predict.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '404', '413', '415']));
    expect(r.body.info.description).toMatch(/At most \d+ images and 200000 bytes per request/);
  });

  it('GET /healthz needs no key and names no tenant or model (issue 14, item 5); the cache state needs a key', async () => {
    const r = await call('/healthz', { key: null });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ok: true });
    expect((await call('/v1/inference/status', { key: null })).status).toBe(401);
    const s = await call('/v1/inference/status');
    expect(s.status).toBe(200);
    expect(s.body.sessions.sessions).toBeGreaterThanOrEqual(3);
    expect(Object.keys(s.body.sessions.runLimits).every((k) => k.startsWith('default/'))).toBe(true);
  });
});

describe('@hono/node-server (keep-alive, Content-Length fast path) and API + inference on one port', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    const api = { fetch: (req: Request) => new Response(JSON.stringify({ api: new URL(req.url).pathname }), { headers: { 'content-type': 'application/json' } }) };
    server = await startServer({ fetch: combineFetch(api, app) }, { port: 0 });
  });
  afterAll(() => server.close());

  it('predicts over a real socket, refuses a large body by Content-Length with 413, and routes other paths to the API', async () => {
    const post = (body: string) => fetch(`${server.url}/v1/models/tiny/predict?version=1`, { method: 'POST', headers: { authorization: `Bearer ${READER}`, 'content-type': 'application/json' }, body });
    const ok = await post(JSON.stringify({ inputs: tinyInput() }));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as Json).version).toBe(1);
    const big = await post(JSON.stringify({ inputs: tinyInput(), pad: 'x'.repeat(300_000) }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as Json).error.message).toMatch(/request body of \d+ bytes exceeds the limit of 200000 bytes/);
    expect((await post(JSON.stringify({ inputs: tinyInput() }))).status).toBe(200);
    expect(await (await fetch(`${server.url}/v1/models/tiny/versions`)).json()).toEqual({ api: '/v1/models/tiny/versions' });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(((await (await fetch(`${server.url}/v1/inference/openapi.json`)).json()) as Json).info.title).toBe('medslim inference');
    const png = await sharp(Buffer.alloc(64, 128), { raw: { width: 8, height: 8, channels: 1 } }).png().toBuffer();
    const img = await fetch(`${server.url}/v1/models/tiny/predict?version=2`, { method: 'POST', headers: { authorization: `Bearer ${READER}`, 'content-type': 'image/png' }, body: png });
    expect(img.status).toBe(200);
  });
});

