/**
 * API keys: POST /keys (create), GET /keys (list, never the secret), GET /keys/audit (key events),
 * GET /keys/{id}, DELETE /keys/{id} (revoke), POST /keys/{id}/rotate. All need role `admin`; an admin
 * manages its own tenant's keys, a `platform` key any tenant's (`?tenant=`). See `ApiKeys` for the
 * revocation bound (4 s on every instance).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { principalOf, role } from '../middleware/auth/index.ts';
import { ApiKeyInfoSchema as KeyInfoSchema, CreateKeySchema, KeyEventSchema, NewKeySchema as KeySchema, RotatedKeySchema, RotateKeySchema } from '@medslim/contracts';
import type { RouteModule } from './common.ts';
import { errorResponses, security } from './common.ts';

const TenantQuery = z.object({
  tenant: z.string().max(63).optional().openapi({ param: { name: 'tenant', in: 'query' }, description: "Another tenant's keys (a 'platform' key only); default the caller's tenant." }),
});
const AuditQuery = TenantQuery.extend({ limit: z.coerce.number().int().min(1).max(1000).optional().openapi({ param: { name: 'limit', in: 'query' }, description: 'At most this many events (default 100).' }) });
const IdParam = z.object({ id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' }, example: '3f2a9c41d0b7' }) });

const createKey = createRoute({
  method: 'post',
  path: '/keys',
  tags: ['keys'],
  summary: "Create an API key bound to a tenant and a role (admin: its own tenant; platform: any); the key is shown once",
  security,
  middleware: [role('admin')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateKeySchema } } } },
  responses: { 201: { description: 'The new key', content: { 'application/json': { schema: KeySchema } } }, ...errorResponses(400, 401, 403, 415) },
});
const listKeys = createRoute({
  method: 'get',
  path: '/keys',
  tags: ['keys'],
  summary: "The tenant's keys: ids, names, roles, created / last used, status — never the secret",
  security,
  middleware: [role('admin')] as const,
  request: { query: TenantQuery },
  responses: { 200: { description: 'Keys, oldest first', content: { 'application/json': { schema: z.object({ keys: z.array(KeyInfoSchema) }) } } }, ...errorResponses(400, 401, 403) },
});
const keyAudit = createRoute({
  method: 'get',
  path: '/keys/audit',
  tags: ['keys'],
  summary: "The tenant's key events (create, revoke, rotate), newest first",
  security,
  middleware: [role('admin')] as const,
  request: { query: AuditQuery },
  responses: { 200: { description: 'Key events', content: { 'application/json': { schema: z.object({ events: z.array(KeyEventSchema) }) } } }, ...errorResponses(400, 401, 403) },
});
const getKey = createRoute({
  method: 'get',
  path: '/keys/{id}',
  tags: ['keys'],
  summary: 'One key by id (never the secret)',
  security,
  middleware: [role('admin')] as const,
  request: { params: IdParam },
  responses: { 200: { description: 'The key', content: { 'application/json': { schema: KeyInfoSchema } } }, ...errorResponses(401, 403, 404) },
});
const revokeKey = createRoute({
  method: 'delete',
  path: '/keys/{id}',
  tags: ['keys'],
  summary: 'Revoke a key: refused at once by this instance and within 4 s by every API and inference instance',
  security,
  middleware: [role('admin')] as const,
  request: { params: IdParam },
  responses: { 200: { description: 'The revoked key', content: { 'application/json': { schema: KeyInfoSchema } } }, ...errorResponses(401, 403, 404) },
});
const rotateKey = createRoute({
  method: 'post',
  path: '/keys/{id}/rotate',
  tags: ['keys'],
  summary: 'A new secret for the same tenant, role and name; the old key is revoked (or expires after graceSeconds)',
  security,
  middleware: [role('admin')] as const,
  request: { params: IdParam, body: { required: false, content: { 'application/json': { schema: RotateKeySchema } } } },
  responses: { 201: { description: 'The new key (shown once) and the old key', content: { 'application/json': { schema: RotatedKeySchema } } }, ...errorResponses(400, 401, 403, 404, 415) },
});

export const keyRoutes: RouteModule = (app, { registry }) => {
  app.openapi(createKey, async (c) => {
    const by = principalOf(c);
    const body = c.req.valid('json');
    const made = await registry.keys.create({
      tenant: body.tenant ?? by.tenant,
      role: body.role,
      name: body.name ?? null,
      by,
      expiresAt: body.expiresInDays !== undefined ? new Date(Date.now() + body.expiresInDays * 86_400_000).toISOString() : null,
    });
    return c.json({ key: made.key, tenant: made.tenant, role: made.role, keyId: made.keyId, name: made.name, expiresAt: made.expiresAt }, 201);
  });
  app.openapi(listKeys, async (c) => {
    const by = principalOf(c);
    return c.json({ keys: await registry.keys.list(c.req.valid('query').tenant ?? by.tenant, by) }, 200);
  });
  app.openapi(keyAudit, async (c) => {
    const by = principalOf(c);
    const q = c.req.valid('query');
    return c.json({ events: await registry.keys.events(q.tenant ?? by.tenant, by, { limit: q.limit }) }, 200);
  });
  app.openapi(getKey, async (c) => c.json(await registry.keys.get(c.req.valid('param').id, principalOf(c)), 200));
  app.openapi(revokeKey, async (c) => c.json(await registry.keys.revoke(c.req.valid('param').id, principalOf(c)), 200));
  app.openapi(rotateKey, async (c) => {
    const body = c.req.header('content-type') ? c.req.valid('json') : {};
    const made = await registry.keys.rotate(c.req.valid('param').id, principalOf(c), { graceSeconds: body?.graceSeconds });
    return c.json(made, 201);
  });
};
