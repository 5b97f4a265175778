/**
 * API keys: POST /keys (create), GET /keys (list, never the secret), GET /keys/audit (key events),
 * GET /keys/{id}, DELETE /keys/{id} (revoke), POST /keys/{id}/rotate. All need role `admin`; an admin
 * manages its own tenant's keys, a `platform` key any tenant's (`?tenant=`). See `ApiKeys` for the
 * revocation bound (4 s on every instance).
 */
import { z } from '@hono/zod-openapi';
import { principalOf } from '../middleware/auth/index.ts';
import { ApiKeyInfoSchema as KeyInfoSchema, CreateKeySchema, KeyEventSchema, NewKeySchema as KeySchema, RotatedKeySchema, RotateKeySchema } from '@medslim/contracts';
import type { RouteModule } from './common.ts';
import { json, jsonBody, routesFor } from './define.ts';

const TenantQuery = z.object({
  tenant: z.string().max(63).optional().openapi({ param: { name: 'tenant', in: 'query' }, description: "Another tenant's keys (a 'platform' key only); default the caller's tenant." }),
});
const AuditQuery = TenantQuery.extend({ limit: z.coerce.number().int().min(1).max(1000).optional().openapi({ param: { name: 'limit', in: 'query' }, description: 'At most this many events (default 100).' }) });
const IdParam = z.object({ id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' }, example: '3f2a9c41d0b7' }) });

const route = routesFor('keys', { role: 'admin' });

const createKey = route('post', '/keys', {
  summary: "Create an API key bound to a tenant and a role (admin: its own tenant; platform: any); the key is shown once",
  request: { body: jsonBody(CreateKeySchema) },
  responses: { 201: json('The new key', KeySchema) },
  errors: [400, 415],
});
const listKeys = route('get', '/keys', {
  summary: "The tenant's keys: ids, names, roles, created / last used, status — never the secret",
  request: { query: TenantQuery },
  responses: { 200: json('Keys, oldest first', z.object({ keys: z.array(KeyInfoSchema) })) },
  errors: [400],
});
const keyAudit = route('get', '/keys/audit', {
  summary: "The tenant's key events (create, revoke, rotate), newest first",
  request: { query: AuditQuery },
  responses: { 200: json('Key events', z.object({ events: z.array(KeyEventSchema) })) },
  errors: [400],
});
const getKey = route('get', '/keys/{id}', {
  summary: 'One key by id (never the secret)',
  request: { params: IdParam },
  responses: { 200: json('The key', KeyInfoSchema) },
});
const revokeKey = route('delete', '/keys/{id}', {
  summary: 'Revoke a key: refused at once by this instance and within 4 s by every API and inference instance',
  request: { params: IdParam },
  responses: { 200: json('The revoked key', KeyInfoSchema) },
});
const rotateKey = route('post', '/keys/{id}/rotate', {
  summary: 'A new secret for the same tenant, role and name; the old key is revoked (or expires after graceSeconds)',
  request: { params: IdParam, body: jsonBody(RotateKeySchema, false) },
  responses: { 201: json('The new key (shown once) and the old key', RotatedKeySchema) },
  errors: [400, 415],
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
