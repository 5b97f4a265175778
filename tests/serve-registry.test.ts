import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsBlobStore, Registry, layout, type Actor } from '@medslim/registry';
import { createInferApp, connectRegistry } from '@medslim/infer';
import { writeModel } from '@medslim/onnx';
import { tinyResNet } from '@medslim/onnx/testing';
import { tempDir } from './helpers/fixtures.ts';

const author: Actor = { keyId: 'seed', name: 'seed', role: 'admin' };
const lineage = { teacher: null, dataset: null, job: null, codeVersion: 'test' };

describe('inference from the registry (the ModelSource medslim serve and the Lambda use)', () => {
  it('serves prod, routes a 10 % canary by request id, pins versions, answers 404/503 clearly', async () => {
    const dir = tempDir();
    const store = new FsBlobStore(join(dir, 'store'));
    const reg = new Registry(store);
    const { key } = await reg.keys.create({ tenant: 'st-marys', role: 'reader', by: null });
    await reg.models.create('st-marys', { name: 'chest', createdBy: author });
    const model = (seed: number) => writeModel(tinyResNet({ channels: 1, classes: 2, size: 8, seed, metadata: { 'medslim.preprocess': '{"layout":"NCHW","scale":0.00392156862745098,"mean":[0],"std":[1]}', 'medslim.labels': 'normal,pneumonia' } }));
    for (const seed of [1, 2]) {
      await reg.versions.register('st-marys', 'chest', { artifacts: [{ file: 'model.int8.onnx', bytes: model(seed) }], lineage, metrics: [], gate: null, createdBy: author });
    }
    await reg.aliases.set('st-marys', 'chest', 'prod', { targets: [{ version: 1, weight: 0.9 }, { version: 2, weight: 0.1 }], actor: author });
    const app = createInferApp({ ...connectRegistry(reg), log: () => {} });
    const input = { inputs: { shape: [1, 1, 8, 8], data: Array.from({ length: 64 }, (_, i) => (i % 7) / 7) } };
    const predict = (path: string, id?: string) => app.request(`/v1/models/chest/predict${path}`, {
      method: 'POST', body: JSON.stringify(input),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(id ? { 'x-request-id': id } : {}) },
    });
    const versions: number[] = [];
    for (let i = 0; i < 400; i++) {
      const r = await predict('', `req-${i}`);
      expect(r.status).toBe(200);
      versions.push(((await r.json()) as { version: number }).version);
    }
    const canary = versions.filter((v) => v === 2).length / versions.length;
    expect(canary).toBeGreaterThan(0.05);
    expect(canary).toBeLessThan(0.15);
    // The same request id always lands on the same version.
    const again = (await (await predict("", "req-7")).json()) as { version: number; alias: string; predictions: { probabilities: Record<string, number> }[] };
    expect(again.version).toBe(versions[7]);
    expect(again.alias).toBe('prod');
    expect(Object.keys(again.predictions[0].probabilities)).toEqual(['normal', 'pneumonia']);
    expect(((await (await predict('?version=2')).json()) as { version: number }).version).toBe(2);
    const unknown = await predict('?alias=staging');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(/alias 'staging' of model 'chest' not found/);
    // Version 2's file disappears from the store: a fresh function (cold cache) answers 503 naming version 2
    // for requests routed there, and version 1 keeps serving the rest of the canary.
    await store.delete(layout.artifact('st-marys', 'chest', 2, 'model.int8.onnx'));
    const cold = createInferApp({ ...connectRegistry(reg), log: () => {} });
    const call = (path: string, id: string) => cold.request(`/v1/models/chest/predict${path}`, { method: 'POST', body: JSON.stringify(input), headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': id } });
    const missing = await call('', `req-${versions.indexOf(2)}`);
    expect(missing.status).toBe(503);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/version 2/);
    expect((await call('', `req-${versions.indexOf(1)}`)).status).toBe(200);
  }, 120_000);
});
