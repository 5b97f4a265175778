/**
 * Aliases and audit: GET /models/{name}/aliases, GET/PUT /models/{name}/aliases/{alias} (If-Match),
 * POST …/aliases/{alias}/rollback, GET /models/{name}/audit.
 */
import { z } from '@hono/zod-openapi';
import type { AliasState } from '@medslim/registry';
import { ApiError } from '../errors.ts';
import { actorOf, principalOf } from '../middleware/auth/index.ts';
import { AliasSchema, AuditEntrySchema, RollbackSchema, SetAliasSchema } from '@medslim/contracts';
import type { RouteModule } from './common.ts';
import { quoteEtag } from './common.ts';
import { json, jsonBody, routesFor } from './define.ts';

const NameParam = z.object({ name: z.string().openapi({ param: { name: 'name', in: 'path' }, example: 'pneumonia' }) });
const AliasParams = NameParam.extend({ alias: z.string().openapi({ param: { name: 'alias', in: 'path' }, example: 'prod' }) });
const IfMatch = z.object({
  'if-match': z.string().optional().openapi({ description: 'The alias ETag you last read; required to change an existing alias.' }),
});

const view = (a: AliasState) => {
  const { lastChange: _lastChange, ...doc } = a.doc;
  return { ...doc, etag: a.etag };
};

const route = routesFor('aliases');

const listAliases = route('get', '/models/{name}/aliases', {
  summary: 'All aliases of a model with their targets and ETags',
  request: { params: NameParam },
  responses: { 200: json('Aliases', z.object({ aliases: z.array(AliasSchema) })) },
});
const getAlias = route('get', '/models/{name}/aliases/{alias}', {
  summary: 'One alias (ETag header for If-Match)',
  request: { params: AliasParams },
  responses: { 200: json('The alias', AliasSchema) },
});
const putAlias = route('put', '/models/{name}/aliases/{alias}', {
  summary: 'Point an alias at a version or at weighted canary targets (If-Match required once it exists)',
  role: 'deployer',
  request: { params: AliasParams, headers: IfMatch, body: jsonBody(SetAliasSchema) },
  responses: { 200: json('Updated', AliasSchema), 201: json('Created', AliasSchema) },
  errors: [400, 409, 412, 415, 428],
});
const rollback = route('post', '/models/{name}/aliases/{alias}/rollback', {
  summary: 'Restore the targets the alias had before its last change (one call; If-Match optional)',
  role: 'deployer',
  request: { params: AliasParams, headers: IfMatch, body: jsonBody(RollbackSchema, false) },
  responses: { 200: json('Rolled back', AliasSchema) },
  errors: [409, 412],
});
const audit = route('get', '/models/{name}/audit', {
  summary: 'Audit trail of alias changes (who, when, from, to, reason), newest first',
  request: {
    params: NameParam,
    query: z.object({ alias: z.string().optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }),
  },
  responses: { 200: json('Entries', z.object({ entries: z.array(AuditEntrySchema) })) },
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
