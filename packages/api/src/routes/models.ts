/**
 * Models and versions: POST/GET /models, GET /models/{name}, GET /models/{name}/versions,
 * GET /models/{name}/versions/{v} (metrics, lineage, report), GET …/versions/{v}/artifacts/{file}.
 */
import { Readable } from 'node:stream';
import { createRoute, z } from '@hono/zod-openapi';
import { actorOf, principalOf, role } from '../middleware/auth/index.ts';
import { CreateModelSchema, ModelDetailSchema, ModelSchema, VersionDetailSchema, VersionSchema } from '@medslim/contracts';
import type { RouteModule } from './common.ts';
import { errorResponses, security } from './common.ts';

const NameParam = z.object({ name: z.string().openapi({ param: { name: 'name', in: 'path' }, example: 'pneumonia' }) });
const VersionParams = NameParam.extend({ v: z.string().openapi({ param: { name: 'v', in: 'path' }, example: '1' }) });
const ArtifactParams = VersionParams.extend({ file: z.string().openapi({ param: { name: 'file', in: 'path' }, example: 'model.int8.onnx' }) });


const createModel = createRoute({
  method: 'post',
  path: '/models',
  tags: ['models'],
  summary: 'Create a model (a named slot for versions and aliases)',
  security,
  middleware: [role('deployer')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateModelSchema } } } },
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: ModelSchema } } }, ...errorResponses(400, 401, 403, 409, 415) },
});
const listModels = createRoute({
  method: 'get',
  path: '/models',
  tags: ['models'],
  summary: "List the tenant's models",
  security,
  responses: { 200: { description: 'Models', content: { 'application/json': { schema: z.object({ models: z.array(ModelSchema) }) } } }, ...errorResponses(401) },
});
const getModel = createRoute({
  method: 'get',
  path: '/models/{name}',
  tags: ['models'],
  summary: 'A model with its version numbers and alias targets',
  security,
  request: { params: NameParam },
  responses: { 200: { description: 'The model', content: { 'application/json': { schema: ModelDetailSchema } } }, ...errorResponses(401, 404) },
});
const listVersions = createRoute({
  method: 'get',
  path: '/models/{name}/versions',
  tags: ['versions'],
  summary: 'All versions of a model, oldest first',
  security,
  request: { params: NameParam },
  responses: { 200: { description: 'Versions', content: { 'application/json': { schema: z.object({ versions: z.array(VersionSchema) }) } } }, ...errorResponses(401, 404) },
});
const getVersion = createRoute({
  method: 'get',
  path: '/models/{name}/versions/{v}',
  tags: ['versions'],
  summary: 'One version: artifacts with SHA-256, lineage, metrics, gate and the full report',
  security,
  request: { params: VersionParams },
  responses: { 200: { description: 'The version', content: { 'application/json': { schema: VersionDetailSchema } } }, ...errorResponses(401, 404) },
});
const getArtifact = createRoute({
  method: 'get',
  path: '/models/{name}/versions/{v}/artifacts/{file}',
  tags: ['versions'],
  summary: 'Download an artifact (ETag and X-Checksum-Sha256 = its SHA-256)',
  security,
  request: { params: ArtifactParams },
  responses: {
    200: { description: 'The bytes' },
    307: { description: 'Redirect to a presigned store URL (S3 deployments)' },
    ...errorResponses(401, 404),
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
