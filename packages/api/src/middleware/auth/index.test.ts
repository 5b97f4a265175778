import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore, Registry } from '@medslim/registry';
import type { AppEnv } from '../../env.ts';
import { errorHandler } from '../../errors.ts';
import { bearerAuth, principalOf, requireRole } from './index.ts';

let dir: string;
let reg: Registry;
let app: Hono<AppEnv>;
let reader: string;
let admin: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'medslim-auth-'));
  reg = new Registry(new FsBlobStore(dir, { fsync: false }));
  reader = (await reg.keys.create({ tenant: 'st-marys', role: 'reader', name: 'dash', by: null })).key;
  admin = (await reg.keys.create({ tenant: 'ops', role: 'admin', by: null })).key;
  app = new Hono<AppEnv>();
  app.onError(errorHandler(() => {}));
  app.use('*', bearerAuth({ keys: reg.keys, publicPaths: ['/open'] }));
  app.get('/open', (c) => c.text('no key needed'));
  app.get('/me', (c) => c.json(principalOf(c)));
  app.post('/deploy', (c) => c.json(requireRole(c, 'deployer')));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const call = (p: string, auth?: string, method = 'GET') => app.request(p, { method, headers: auth ? { authorization: auth } : {} });

describe('bearerAuth', () => {
  it('puts the key’s tenant and role on the context', async () => {
    const r = await call('/me', `Bearer ${reader}`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ tenant: 'st-marys', role: 'reader', name: 'dash', keyId: expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect((await call('/me', `bearer   ${admin}`)).status).toBe(200); // scheme is case-insensitive
  });

  it.each([
    [undefined, /missing API key/],
    ['Basic dXNlcjpwYXNz', /malformed Authorization header/],
    ['Bearer', /malformed Authorization header/],
    ['Bearer msk_not-a-real-key-but-long-enough', /invalid API key/],
    ['Bearer short', /invalid API key/],
  ])('answers 401 for %s', async (header, message) => {
    const r = await call('/me', header);
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.stringMatching(message) } });
  });

  it('lets public paths through without a key', async () => {
    expect(await (await call('/open')).text()).toBe('no key needed');
  });
});

describe('requireRole', () => {
  it('403 names the role needed and the role the key has; higher roles pass', async () => {
    const r = await call('/deploy', `Bearer ${reader}`, 'POST');
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: unknown }).error).toEqual({ code: 'FORBIDDEN', message: expect.stringMatching(/needs role 'deployer' or higher; key [0-9a-f]+ has role 'reader'/) });
    expect((await call('/deploy', `Bearer ${admin}`, 'POST')).status).toBe(200);
  });
});
