/**
 * The Lambda entry point (`functions/infer/src/lambda.ts`, `hono/aws-lambda`) called with API
 * Gateway v2 / function URL events, the registry seam (connect.ts) replaced by an in-memory
 * source; and the configuration read from the environment.
 */
import sharp from 'sharp';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { writeModel } from '@medslim/onnx';
import { tinyResNet } from '@medslim/onnx/testing';
import { InMemoryModelSource } from '@medslim/serving';
import { configFromEnv, createInferApp } from '@medslim/infer';

vi.mock('../packages/infer/src/connect.ts', async () => {
  const { writeModel } = await import('@medslim/onnx');
  const { tinyResNet } = await import('@medslim/onnx/testing');
  const { InMemoryModelSource } = await import('@medslim/serving');
  const bytes = writeModel(tinyResNet({ channels: 1, classes: 2, size: 8, metadata: { 'medslim.preprocess': '{"layout":"NCHW","scale":0.00392156862745098,"mean":[0],"std":[1]}', 'medslim.labels': 'normal,pneumonia' } }));
  const source = new InMemoryModelSource()
    .addVersion({ model: 'chest', version: 4, bytes })
    .setAlias({ model: 'chest', alias: 'prod', targets: [{ version: 4, weight: 1 }] });
  return { connectFromEnv: () => ({ source, authenticate: async (k: string) => (k === 'lambda-key' ? { tenant: 'default', role: 'reader' } : null) }) };
});

/** A minimal API Gateway HTTP API (payload 2.0) / Lambda function URL event. */
function event(o: { method: string; path: string; query?: string; headers?: Record<string, string>; body?: string; base64?: boolean }) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: o.path,
    rawQueryString: o.query ?? '',
    headers: { host: 'abc.lambda-url.eu-west-1.on.aws', ...(o.headers ?? {}) },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc',
      authentication: null,
      authorizer: {},
      domainName: 'abc.lambda-url.eu-west-1.on.aws',
      domainPrefix: 'abc',
      http: { method: o.method, path: o.path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'test' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '01/Jan/2025:00:00:00 +0000',
      timeEpoch: 1735689600000,
    },
    body: o.body ?? null,
    isBase64Encoded: o.base64 ?? false,
  };
}

describe('Lambda handler (hono/aws-lambda)', () => {
  afterAll(() => {
    delete process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
    delete process.env.MEDSLIM_INFER_PRELOAD;
  });
  it('loads the preloaded version at cold start, answers JSON and base64 PNG predictions, keeps the model warm, and maps errors', async () => {
    process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE = '1024';
    process.env.MEDSLIM_INFER_PRELOAD = 'default/chest@4';
    const { handler, app } = await import('../functions/infer/src/lambda.ts');
    // The preload started at import (cold start); it finishes without any request.
    await app.inference.ready;
    const health = async () => JSON.parse((await handler(event({ method: 'GET', path: '/v1/inference/status', headers: { authorization: 'Bearer lambda-key' } }))).body);
    expect((await health()).sessions).toMatchObject({ sessions: 1, loads: 1 });
    const headers = { authorization: 'Bearer lambda-key', 'content-type': 'application/json' };
    const inputs = [[Array.from({ length: 8 }, () => new Array(8).fill(0.5))]];
    const first = await handler(event({ method: 'POST', path: '/v1/models/chest/predict', headers, body: JSON.stringify({ inputs }) }));
    expect(first.statusCode).toBe(200);
    const body = JSON.parse(first.body);
    expect(body).toMatchObject({ model: 'chest', version: 4, alias: 'prod' });
    expect(Object.keys(body.predictions[0].probabilities)).toEqual(['normal', 'pneumonia']);

    const png = await sharp(Buffer.alloc(64, 90), { raw: { width: 8, height: 8, channels: 1 } }).png().toBuffer();
    const img = await handler(event({ method: 'POST', path: '/v1/models/chest/predict', headers: { ...headers, 'content-type': 'image/png' }, body: png.toString('base64'), base64: true }));
    expect(img.statusCode).toBe(200);
    expect(JSON.parse(img.body).version).toBe(4);

    const pinned = await handler(event({ method: 'POST', path: '/v1/models/chest/predict', query: 'version=4', headers, body: JSON.stringify({ inputs }) }));
    expect(JSON.parse(pinned.body)).toMatchObject({ version: 4, alias: null });

    const bad = await handler(event({ method: 'POST', path: '/v1/models/chest/predict', headers, body: '{"inputs": 3}' }));
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body).error.code).toBe('INVALID_INPUT');
    const unauth = await handler(event({ method: 'GET', path: '/v1/models/chest/metrics' }));
    expect(unauth.statusCode).toBe(401);

    const metrics = await handler(event({ method: 'GET', path: '/v1/models/chest/metrics', headers: { authorization: 'Bearer lambda-key' } }));
    const m = JSON.parse(metrics.body);
    expect(m.pricing).toMatchObject({ memoryMb: 1024 });
    // One load at cold start, then warm: four routed requests, one session.
    expect(m.versions).toEqual([expect.objectContaining({ version: 4, requests: 4, errors: 1, predictions: 3 })]);
    expect((await health()).sessions).toMatchObject({ sessions: 1, loads: 1 });
  });
});

describe('configFromEnv', () => {
  it('reads memory, architecture, prices and limits; threads default to the vCPUs memory implies', () => {
    const c = configFromEnv({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '3538', MEDSLIM_INFER_ARCHITECTURE: 'arm64', MEDSLIM_INFER_MAX_BATCH: '16', MEDSLIM_INFER_PRICE_PER_REQUEST: '0.0000002' });
    expect(c).toMatchObject({ maxBatch: 16, intraOpNumThreads: 2, bodyLimitBytes: 6 * 1024 * 1024, cost: { memoryMb: 3538, architecture: 'arm64', pricePerRequest: 2e-7 } });
    expect(configFromEnv({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '10240', MEDSLIM_INFER_INTRA_OP_THREADS: '3' }).intraOpNumThreads).toBe(3);
    expect(configFromEnv({}).cost.memoryMb).toBe(512);
    expect(configFromEnv({}).intraOpNumThreads).toBe(1);
  });

  it('MEDSLIM_INFER_PRELOAD lists tenant/model@version', () => {
    expect(configFromEnv({ MEDSLIM_INFER_PRELOAD: 'default/chest@3, acme/knee@12' }).preload).toEqual([
      { tenant: 'default', model: 'chest', version: 3 },
      { tenant: 'acme', model: 'knee', version: 12 },
    ]);
    expect(() => configFromEnv({ MEDSLIM_INFER_PRELOAD: 'chest:prod' })).toThrow(/tenant\/model@version/);
  });

  it('names a malformed variable', () => {
    expect(() => configFromEnv({ MEDSLIM_INFER_MAX_BATCH: 'lots' })).toThrow(/MEDSLIM_INFER_MAX_BATCH must be an integer ≥ 1 \(got 'lots'\)/);
    expect(() => configFromEnv({ MEDSLIM_INFER_ARCHITECTURE: 'x86' })).toThrow(/MEDSLIM_INFER_ARCHITECTURE must be one of x86_64, arm64 \(got 'x86'\)/);
    expect(() => configFromEnv({ MEDSLIM_INFER_PRICE_PER_GB_SECOND: '-1' })).toThrow(/MEDSLIM_INFER_PRICE_PER_GB_SECOND/);
  });
});

describe('preload', () => {
  it('warms the listed versions before any request; a missing one is logged, not thrown', async () => {
    const bytes = writeModel(tinyResNet({ channels: 1, classes: 2, size: 8, metadata: { 'medslim.preprocess': '{"layout":"NCHW","scale":1,"mean":[0],"std":[1]}' } }));
    const source = new InMemoryModelSource().addVersion({ model: 'm', version: 1, bytes }).addVersion({ model: 'm', version: 2, bytes: null });
    const logs: string[] = [];
    const app = createInferApp({
      source,
      authenticate: async () => null,
      config: { preload: [{ tenant: 'default', model: 'm', version: 1 }, { tenant: 'default', model: 'm', version: 2 }] },
      log: (l) => logs.push(l),
    });
    await app.inference.ready;
    expect(app.inference.cache.stats()).toMatchObject({ sessions: 1, loads: 1 });
    expect(logs.join('\n')).toMatch(/preload of default\/m@2 failed: model 'm' version 2 is unavailable: its model file is missing/);
  });
});
