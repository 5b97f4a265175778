/**
 * Both OpenAPI documents against the routes the apps really serve: every served (method, path) is documented and
 * every documented one is served. The documents are generated from @medslim/contracts, so a route added, removed
 * or renamed without its description fails here.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '@medslim/api';
import { createInferApp, INFER_OPENAPI_PATH } from '@medslim/infer';
import { FsBlobStore } from '@medslim/registry';
import { InMemoryModelSource } from '@medslim/serving';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** `METHOD /path/{param}` of every handler an app serves (middleware registered with `use` answers ALL methods: not a route). */
function served(routes: readonly { method: string; path: string }[], except: string[]): string[] {
  const keys = routes
    .filter((r) => r.method !== 'ALL' && !except.includes(r.path))
    .map((r) => `${r.method.toUpperCase()} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
  return [...new Set(keys)].sort();
}

/** `METHOD /path/{param}` of every operation a document describes. */
function documented(doc: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(doc.paths)
    .flatMap(([p, ops]) => Object.keys(ops).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${p}`))
    .sort();
}

describe('OpenAPI documents match the served routes', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('API: /v1/openapi.json describes exactly the routes the app serves', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'medslim-routes-'));
    dirs.push(dir);
    const app = createApp({ store: new FsBlobStore(dir) });
    const doc = (await (await app.request('/v1/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = served(app.routes, ['/v1/openapi.json']);
    expect(routes.length).toBeGreaterThanOrEqual(19);
    expect(documented(doc)).toEqual(routes);
  });

  it(`inference: ${INFER_OPENAPI_PATH} describes exactly the routes the app serves`, async () => {
    const app = createInferApp({ source: new InMemoryModelSource(), authenticate: async () => null });
    const doc = (await (await app.request(INFER_OPENAPI_PATH)).json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = served(app.routes, [INFER_OPENAPI_PATH]);
    expect(routes).toEqual(['GET /healthz', 'GET /v1/inference/status', 'GET /v1/models/{name}/metrics', 'GET /v1/models/{name}/versions/{v}/metrics', 'POST /v1/models/{name}/predict']);
    expect(documented(doc)).toEqual(routes);
  });

  it('a route the document lacks is caught (the check is not vacuous)', async () => {
    const app = createInferApp({ source: new InMemoryModelSource(), authenticate: async () => null });
    app.get('/v1/models/:name/undocumented', (c) => c.text('x'));
    const doc = (await (await app.request(INFER_OPENAPI_PATH)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(documented(doc)).not.toEqual(served(app.routes, [INFER_OPENAPI_PATH]));
  });
});
