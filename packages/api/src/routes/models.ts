/**
 * Models and versions: POST/GET /models, GET /models/{name}, GET /models/{name}/versions,
 * GET /models/{name}/versions/{v} (metrics, lineage, report), GET …/versions/{v}/artifacts/{file}.
 */
import { Readable } from 'node:stream';
import { z } from '@hono/zod-openapi';
import { actorOf, principalOf } from '../middleware/auth/index.ts';
import { CreateModelSchema, ModelDetailSchema, ModelSchema, VersionDetailSchema, VersionSchema } from '@medslim/contracts';
import type { RouteModule } from './common.ts';
import { json, jsonBody, routesFor } from './define.ts';

const NameParam = z.object({ name: z.string().openapi({ param: { name: 'name', in: 'path' }, example: 'pneumonia' }) });
const VersionParams = NameParam.extend({ v: z.string().openapi({ param: { name: 'v', in: 'path' }, example: '1' }) });
const ArtifactParams = VersionParams.extend({ file: z.string().openapi({ param: { name: 'file', in: 'path' }, example: 'model.int8.onnx' }) });


const modelRoute = routesFor('models');
const versionRoute = routesFor('versions');

const createModel = modelRoute('post', '/models', {
  summary: 'Create a model (a named slot for versions and aliases)',
  role: 'deployer',
  request: { body: jsonBody(CreateModelSchema) },
  responses: { 201: json('Created', ModelSchema) },
  errors: [400, 409, 415],
});
const listModels = modelRoute('get', '/models', {
  summary: "List the tenant's models",
  responses: { 200: json('Models', z.object({ models: z.array(ModelSchema) })) },
});
const getModel = modelRoute('get', '/models/{name}', {
  summary: 'A model with its version numbers and alias targets',
  request: { params: NameParam },
  responses: { 200: json('The model', ModelDetailSchema) },
});
const listVersions = versionRoute('get', '/models/{name}/versions', {
  summary: 'All versions of a model, oldest first',
  request: { params: NameParam },
  responses: { 200: json('Versions', z.object({ versions: z.array(VersionSchema) })) },
});
const getVersion = versionRoute('get', '/models/{name}/versions/{v}', {
  summary: 'One version: artifacts with SHA-256, lineage, metrics, gate and the full report',
  request: { params: VersionParams },
  responses: { 200: json('The version', VersionDetailSchema) },
});
const getArtifact = versionRoute('get', '/models/{name}/versions/{v}/artifacts/{file}', {
  summary: 'Download an artifact (ETag and X-Checksum-Sha256 = its SHA-256)',
  request: { params: ArtifactParams },
  responses: {
    200: { description: 'The bytes' },
    307: { description: 'Redirect to a presigned store URL (S3 deployments)' },
  },
});

export const modelRoutes: RouteModule = (app, { registry, redirectDownloads }) => {
  app.openapi(createModel, async (c) => {
    const p = principalOf(c);
    const body = c.req.valid('json');
    return c.json(await registry.models.create(p.tenant, { name: body.name, description: body.description ?? null, createdBy: actorOf(p) }), 201);
  });

  app.openapi(listModels, async (c) => c.json({ models: await registry.models.list(principalOf(c).tenant) }, 200));

  app.openapi(getModel, async (c) => {
    const { tenant } = principalOf(c);
    const { name } = c.req.valid('param');
    const model = await registry.models.get(tenant, name);
    const versions = (await registry.versions.list(tenant, name)).map((v) => v.version);
    const aliases = Object.fromEntries((await registry.aliases.list(tenant, name)).map((a) => [a.doc.alias, a.doc.targets]));
    return c.json({ ...model, versions, aliases }, 200);
  });

  app.openapi(listVersions, async (c) => {
    const { name } = c.req.valid('param');
    return c.json({ versions: await registry.versions.list(principalOf(c).tenant, name) }, 200);
  });

  app.openapi(getVersion, async (c) => {
    const { tenant } = principalOf(c);
    const { name, v } = c.req.valid('param');
    const manifest = await registry.versions.get(tenant, name, v);
    return c.json({ ...manifest, report: await registry.versions.readReport(tenant, manifest) }, 200);
  });

  app.openapi(getArtifact, async (c) => {
    const { tenant } = principalOf(c);
    const { name, v, file } = c.req.valid('param');
    const { record, stream, key } = await registry.versions.openArtifact(tenant, name, v, file);
    if (redirectDownloads) {
      const url = await registry.store.presignGet(key, 900);
      if (url) {
        stream.destroy();
        return c.redirect(url, 307);
      }
    }
    c.header('Content-Type', record.contentType);
    c.header('Content-Length', String(record.bytes));
    c.header('ETag', `"${record.sha256}"`);
    c.header('X-Checksum-Sha256', record.sha256);
    c.header('Content-Disposition', `attachment; filename="${record.file}"`);
    return c.body(Readable.toWeb(stream) as ReadableStream, 200);
  });
};
