/** POST /keys — create an API key (admin only). */
import { createRoute } from '@hono/zod-openapi';
import { principalOf, role } from '../middleware/auth/index.ts';
import { CreateKeySchema, KeySchema } from '../schemas.ts';
import type { RouteModule } from './common.ts';
import { errorResponses, security } from './common.ts';

const createKey = createRoute({
  method: 'post',
  path: '/keys',
  tags: ['keys'],
  summary: 'Create an API key bound to a tenant and a role (admin only); the key is shown once',
  security,
  middleware: [role('admin')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateKeySchema } } } },
  responses: { 201: { description: 'The new key', content: { 'application/json': { schema: KeySchema } } }, ...errorResponses(400, 401, 403, 415) },
});

export const keyRoutes: RouteModule = (app, { registry }) => {
  app.openapi(createKey, async (c) => {
    const admin = principalOf(c);
    const body = c.req.valid('json');
    const made = await registry.keys.create({
      tenant: body.tenant ?? admin.tenant,
      role: body.role,
      name: body.name ?? null,
      createdBy: { keyId: admin.keyId, name: admin.name, role: admin.role },
    });
    return c.json({ key: made.key, tenant: made.tenant, role: made.role, keyId: made.keyId, name: made.name }, 201);
  });
};
