/**
 * Aliases and audit: GET /models/{name}/aliases, GET/PUT /models/{name}/aliases/{alias} (If-Match),
 * POST …/aliases/{alias}/rollback, GET /models/{name}/audit.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { AliasState } from '@medslim/registry';
import { ApiError } from '../errors.ts';
import { actorOf, principalOf, role } from '../middleware/auth/index.ts';
import { AliasSchema, AuditEntrySchema, RollbackSchema, SetAliasSchema } from '@medslim/contracts';
import type { RouteModule } from './common.ts';
import { errorResponses, quoteEtag, security } from './common.ts';

const NameParam = z.object({ name: z.string().openapi({ param: { name: 'name', in: 'path' }, example: 'pneumonia' }) });
const AliasParams = NameParam.extend({ alias: z.string().openapi({ param: { name: 'alias', in: 'path' }, example: 'prod' }) });
const IfMatch = z.object({
  'if-match': z.string().optional().openapi({ description: 'The alias ETag you last read; required to change an existing alias.' }),
});

const view = (a: AliasState) => {
  const { lastChange: _lastChange, ...doc } = a.doc;
  return { ...doc, etag: a.etag };
};

const listAliases = createRoute({
  method: 'get',
  path: '/models/{name}/aliases',
  tags: ['aliases'],
  summary: 'All aliases of a model with their targets and ETags',
  security,
  request: { params: NameParam },
  responses: { 200: { description: 'Aliases', content: { 'application/json': { schema: z.object({ aliases: z.array(AliasSchema) }) } } }, ...errorResponses(401, 404) },
});
const getAlias = createRoute({
  method: 'get',
  path: '/models/{name}/aliases/{alias}',
  tags: ['aliases'],
  summary: 'One alias (ETag header for If-Match)',
  security,
  request: { params: AliasParams },
  responses: { 200: { description: 'The alias', content: { 'application/json': { schema: AliasSchema } } }, ...errorResponses(401, 404) },
});
const putAlias = createRoute({
  method: 'put',
  path: '/models/{name}/aliases/{alias}',
  tags: ['aliases'],
  summary: 'Point an alias at a version or at weighted canary targets (If-Match required once it exists)',
  security,
  middleware: [role('deployer')] as const,
  request: { params: AliasParams, headers: IfMatch, body: { required: true, content: { 'application/json': { schema: SetAliasSchema } } } },
  responses: {
    200: { description: 'Updated', content: { 'application/json': { schema: AliasSchema } } },
    201: { description: 'Created', content: { 'application/json': { schema: AliasSchema } } },
    ...errorResponses(400, 401, 403, 404, 409, 412, 415, 428),
  },
});
const rollback = createRoute({
  method: 'post',
  path: '/models/{name}/aliases/{alias}/rollback',
  tags: ['aliases'],
  summary: 'Restore the targets the alias had before its last change (one call; If-Match optional)',
  security,
  middleware: [role('deployer')] as const,
  request: { params: AliasParams, headers: IfMatch, body: { required: false, content: { 'application/json': { schema: RollbackSchema } } } },
  responses: { 200: { description: 'Rolled back', content: { 'application/json': { schema: AliasSchema } } }, ...errorResponses(401, 403, 404, 409, 412) },
});
const audit = createRoute({
  method: 'get',
  path: '/models/{name}/audit',
  tags: ['aliases'],
  summary: 'Audit trail of alias changes (who, when, from, to, reason), newest first',
  security,
  request: {
    params: NameParam,
    query: z.object({ alias: z.string().optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }),
  },
  responses: { 200: { description: 'Entries', content: { 'application/json': { schema: z.object({ entries: z.array(AuditEntrySchema) }) } } }, ...errorResponses(401, 404) },
});

export const aliasRoutes: RouteModule = (app, { registry }) => {
  app.openapi(listAliases, async (c) => {
    const { name } = c.req.valid('param');
    return c.json({ aliases: (await registry.aliases.list(principalOf(c).tenant, name)).map(view) }, 200);
  });

  app.openapi(getAlias, async (c) => {
    const { name, alias } = c.req.valid('param');
    const a = await registry.aliases.get(principalOf(c).tenant, name, alias);
    c.header('ETag', quoteEtag(a.etag));
    return c.json(view(a), 200);
  });

  app.openapi(putAlias, async (c) => {
    const p = principalOf(c);
    const { name, alias } = c.req.valid('param');
    const body = c.req.valid('json');
    if ((body.version === undefined) === (body.targets === undefined)) {
      throw new ApiError(400, 'BAD_REQUEST', 'send either "version": <n> or "targets": [{"version": <n>, "weight": <0…1>}, …]');
    }
    const targets = body.targets ?? [{ version: body.version!, weight: 1 }];
    const a = await registry.aliases.set(p.tenant, name, alias, {
      targets,
      ifMatch: c.req.valid('header')['if-match'] ?? null,
      force: body.force,
      reason: body.reason ?? null,
      actor: actorOf(p),
    });
    c.header('ETag', quoteEtag(a.etag));
    return c.json(view(a), a.doc.revision === 1 ? 201 : 200);
  });

  app.openapi(rollback, async (c) => {
    const p = principalOf(c);
    const { name, alias } = c.req.valid('param');
    const a = await registry.aliases.rollback(p.tenant, name, alias, {
      ifMatch: c.req.valid('header')['if-match'] ?? null,
      reason: c.req.valid('json').reason ?? null,
      actor: actorOf(p),
    });
    c.header('ETag', quoteEtag(a.etag));
    return c.json(view(a), 200);
  });

  app.openapi(audit, async (c) => {
    const { name } = c.req.valid('param');
    const q = c.req.valid('query');
    return c.json({ entries: await registry.auditTrail(principalOf(c).tenant, name, { alias: q.alias, limit: q.limit }) }, 200);
  });
};
