/**
 * Registry on both stores: the filesystem store and the S3 store on s3rver (a real HTTP S3 emulator).
 * s3rver accepts If-Match / If-None-Match but does not enforce them, so the tests that need a
 * condition to *fail* (412, exactly-one-wins) run on the filesystem store, and on S3 we prove the
 * conditional headers are sent.
 */
import { DEFAULT_GATE_BUDGETS, type GateResult, type StageReport } from '@medslim/contracts';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { makeS3rverPutsAtomic } from './store/testing/atomic-puts.ts';
import { failingPut } from './store/testing/failing-put.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateTargets } from './aliases.ts';
import { RegistryError } from './errors.ts';
import { layout } from './layout.ts';
import type { Actor } from './principal.ts';
import { Registry } from './registry.ts';
import type { BlobStore, PutBody, PutOptions } from './store/index.ts';
import { FsBlobStore, S3BlobStore } from './store/index.ts';
import type { Lineage } from './versions.ts';

const T = 'st-marys';
const actor: Actor = { keyId: 'abcdef012345', name: 'ci', role: 'deployer' };
const lineage: Lineage = { teacher: null, dataset: null, job: null, codeVersion: 'test' };
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

let scratch: string;
let s3: S3rver | undefined;
let endpoint: string;
let n = 0;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'medslim-registry-'));
  makeS3rverPutsAtomic();
  s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(scratch, 's3rver'), configureBuckets: [{ name: 'reg' }] });
  endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
});
afterAll(async () => {
  await s3?.close();
  await rm(scratch, { recursive: true, force: true });
});

const s3Client = () => new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
const stores: [string, () => BlobStore][] = [
  ['FsBlobStore', () => new FsBlobStore(path.join(scratch, `fs${++n}`), { fsync: false })],
  ['S3BlobStore (s3rver)', () => new S3BlobStore({ bucket: 'reg', prefix: `r${++n}-${randomBytes(3).toString('hex')}`, client: s3Client() })],
];

async function keysUnder(store: BlobStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of store.list(prefix)) out.push(e.key);
  return out.sort();
}

/** A gate verdict as a compress job writes it (no checks: the registry reads only `passed`). */
const gateResult = (passed: boolean): GateResult => ({ passed, candidate: 'int8', decision: 'point', split: 'test', budgets: DEFAULT_GATE_BUDGETS, checks: [], rationale: 'test' });
/** The registry stores a report's stages as they are; it reads none of their fields. */
const stage = { name: 'int8', test: { auc: 0.95 } } as unknown as StageReport;

async function registerBytes(reg: Registry, model: string, files: Record<string, string>, gate: GateResult | null = null) {
  return reg.versions.register(T, model, {
    artifacts: Object.entries(files).map(([file, text]) => ({ file, bytes: Buffer.from(text) })),
    lineage,
    metrics: [stage],
    gate,
    createdBy: actor,
    reportFile: 'report.json' in files ? 'report.json' : null,
  });
}

describe.each(stores)('Registry on %s', (_name, makeStore) => {
  it('models: create, get, list; unknown names are NOT_FOUND; bad names INVALID', async () => {
    const reg = new Registry(makeStore());
    await reg.models.create(T, { name: 'pneumonia', description: 'chest x-ray', createdBy: actor });
    await reg.models.create(T, { name: 'derma', createdBy: actor });
    expect((await reg.models.list(T)).map((m) => m.name)).toEqual(['derma', 'pneumonia']);
    expect(await reg.models.get(T, 'pneumonia')).toMatchObject({ name: 'pneumonia', description: 'chest x-ray', createdBy: actor });
    await expect(reg.models.get(T, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(reg.models.get('other-tenant', 'pneumonia')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(reg.models.create(T, { name: 'Has Spaces', createdBy: actor })).rejects.toMatchObject({ code: 'INVALID', message: expect.stringMatching(/lower-case/) });
    await expect(reg.models.get(T, '../x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('versions: numbered 1, 2, …; every artifact stored with its SHA-256; manifest carries lineage, metrics and gate', async () => {
    const reg = new Registry(makeStore());
    await reg.models.create(T, { name: 'm', createdBy: actor });
    const v1 = await registerBytes(reg, 'm', { 'model.int8.onnx': 'onnx bytes', 'report.json': '{"stages":[]}' });
    const v2 = await registerBytes(reg, 'm', { 'model.int8.onnx': 'other bytes' }, gateResult(false));
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(v1.artifacts).toEqual([
      { file: 'model.int8.onnx', sha256: sha('onnx bytes'), bytes: 10, contentType: 'application/octet-stream' },
      { file: 'report.json', sha256: sha('{"stages":[]}'), bytes: 13, contentType: 'application/json' },
    ]);
    const got = await reg.versions.get(T, 'm', '1');
    expect(got).toMatchObject({ version: 1, lineage, metrics: [{ name: 'int8' }], gate: null, reportFile: 'report.json' });
    expect(await reg.versions.readReport(T, got)).toEqual({ stages: [] });
    expect((await reg.versions.get(T, 'm', 2)).gate).toEqual(gateResult(false));
    expect((await reg.versions.list(T, 'm')).map((v) => v.version)).toEqual([1, 2]);
    const { stream, record } = await reg.versions.openArtifact(T, 'm', 1, 'model.int8.onnx');
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('onnx bytes');
    expect(record.sha256).toBe(sha('onnx bytes'));
    await expect(reg.versions.get(T, 'm', 3)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(reg.versions.get(T, 'm', 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(reg.versions.openArtifact(T, 'm', 1, 'nope.bin')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/model.int8.onnx/) });
    await expect(registerBytes(reg, 'missing', { a: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a version whose artifact fails to store is never visible, leaves nothing behind, and frees its number', async () => {
    const inner = makeStore();
    const store = failingPut(inner, (key) => key.endsWith('/artifacts/report.json'));
    const reg = new Registry(store);
    await reg.models.create(T, { name: 'm', createdBy: actor });
    await expect(registerBytes(reg, 'm', { 'model.int8.onnx': 'x', 'report.json': '{}' })).rejects.toThrow(/injected/);
    await expect(reg.versions.get(T, 'm', 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await reg.versions.list(T, 'm')).toEqual([]);
    expect(await keysUnder(inner, layout.versionsPrefix(T, 'm'))).toEqual([]);
    expect((await registerBytes(reg, 'm', { 'model.int8.onnx': 'x' })).version).toBe(1);
  });

  it('writes the manifest last, after every artifact was read back and verified', async () => {
    const ops: string[] = [];
    const inner = makeStore();
    const store: BlobStore = Object.assign(Object.create(Object.getPrototypeOf(inner)), inner, {
      put: (k: string, b: PutBody, o?: PutOptions) => (ops.push(`put ${k.split('/').slice(-2).join('/')}`), inner.put(k, b, o)),
      getStream: (k: string) => (ops.push(`read ${k.split('/').slice(-2).join('/')}`), inner.getStream(k)),
    });
    const reg = new Registry(store);
    await reg.models.create(T, { name: 'm', createdBy: actor });
    ops.length = 0;
    await registerBytes(reg, 'm', { 'a.onnx': 'a', 'b.md': 'b' });
    expect(ops).toEqual(['put 1/reserved.json', 'put artifacts/a.onnx', 'read artifacts/a.onnx', 'put artifacts/b.md', 'read artifacts/b.md', 'put 1/manifest.json']);
  });

  it('aliases: create, update with If-Match, canary weights, rollback, audit (who, when, from, to, reason)', async () => {
    const reg = new Registry(makeStore());
    await reg.models.create(T, { name: 'm', createdBy: actor });
    for (let i = 0; i < 3; i++) await registerBytes(reg, 'm', { 'model.onnx': `v${i}` });
    const a1 = await reg.aliases.set(T, 'm', 'prod', { targets: [{ version: 1, weight: 1 }], reason: 'first rollout', actor });
    expect(a1.doc).toMatchObject({ targets: [{ version: 1, weight: 1 }], previous: null, revision: 1 });
    const a2 = await reg.aliases.set(T, 'm', 'prod', { targets: [{ version: 2, weight: 0.1 }, { version: 1, weight: 0.9 }], ifMatch: `"${a1.etag}"`, actor });
    expect(a2.doc.targets).toEqual([{ version: 1, weight: 0.9 }, { version: 2, weight: 0.1 }]);
    expect(a2.doc.previous).toEqual([{ version: 1, weight: 1 }]);
    expect(a2.etag).not.toBe(a1.etag);
    const back = await reg.aliases.rollback(T, 'm', 'prod', { reason: 'latency regression', actor });
    expect(back.doc.targets).toEqual([{ version: 1, weight: 1 }]);
    expect(back.doc.previous).toEqual(a2.doc.targets);
    const again = await reg.aliases.rollback(T, 'm', 'prod', { ifMatch: back.etag, actor }); // undoes the rollback
    expect(again.doc.targets).toEqual(a2.doc.targets);
    await reg.aliases.set(T, 'm', 'staging', { targets: [{ version: 3, weight: 1 }], actor });
    expect((await reg.aliases.list(T, 'm')).map((a) => a.doc.alias)).toEqual(['prod', 'staging']);

    const trail = await reg.auditTrail(T, 'm');
    expect(trail.map((e) => `${e.alias} ${e.action}`)).toEqual(['staging create', 'prod rollback', 'prod rollback', 'prod update', 'prod create']);
    expect(trail[4]).toMatchObject({ from: null, to: [{ version: 1, weight: 1 }], reason: 'first rollout', who: actor, force: false });
    expect(trail[2]).toMatchObject({ from: a2.doc.targets, to: [{ version: 1, weight: 1 }], reason: 'latency regression' });
    expect(Date.parse(trail[0].at)).toBeGreaterThan(0);
    expect(await reg.auditTrail(T, 'm', { alias: 'staging' })).toHaveLength(1);
    expect(await reg.auditTrail(T, 'm', { limit: 2 })).toHaveLength(2);
  });

  it('alias changes that break a rule are refused and change nothing', async () => {
    const reg = new Registry(makeStore());
    await reg.models.create(T, { name: 'm', createdBy: actor });
    await registerBytes(reg, 'm', { 'model.onnx': 'v1' });
    await registerBytes(reg, 'm', { 'model.onnx': 'v2' }, gateResult(false));
    const a = await reg.aliases.set(T, 'm', 'prod', { targets: [{ version: 1, weight: 1 }], actor });
    const bad: [unknown, string, RegExp][] = [
      [[{ version: 1, weight: 0.5 }], 'INVALID', /sum to 1 \(got 0.5\)/],
      [[{ version: 1, weight: -0.1 }, { version: 2, weight: 1.1 }], 'INVALID', /weight must be a finite number ≥ 0/],
      [[{ version: 7, weight: 1 }], 'INVALID', /has no version 7 \(versions: 1, 2\)/],
      [[{ version: 2, weight: 1 }], 'GATE_FAILED', /failed its quality gate.*force/],
    ];
    for (const [targets, code, message] of bad) {
      await expect(reg.aliases.set(T, 'm', 'prod', { targets, ifMatch: a.etag, actor })).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    }
    await expect(reg.aliases.set(T, 'm', 'prod', { targets: [{ version: 2, weight: 1 }], ifMatch: a.etag, force: true, actor })).rejects.toMatchObject({ code: 'INVALID', message: expect.stringMatching(/reason/) });
    await expect(reg.aliases.set(T, 'm', 'prod', { targets: [{ version: 1, weight: 1 }], actor })).rejects.toMatchObject({ code: 'PRECONDITION_REQUIRED' });
    await expect(reg.aliases.set(T, 'm', 'new', { targets: [{ version: 1, weight: 1 }], ifMatch: a.etag, actor })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await expect(reg.aliases.set(T, 'm', 'Bad Alias', { targets: [{ version: 1, weight: 1 }], actor })).rejects.toMatchObject({ code: 'INVALID' });
    await expect(reg.aliases.rollback(T, 'm', 'prod', { actor })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/no previous target/) });
    expect(await reg.aliases.get(T, 'm', 'prod')).toEqual(a);
    expect(await reg.auditTrail(T, 'm')).toHaveLength(1);
    // force + reason promotes a gate-failed version, and both are recorded.
    const forced = await reg.aliases.set(T, 'm', 'prod', { targets: [{ version: 2, weight: 1 }], ifMatch: a.etag, force: true, reason: 'clinical sign-off #42', actor });
    expect(forced.doc).toMatchObject({ force: true, reason: 'clinical sign-off #42' });
    expect((await reg.auditTrail(T, 'm'))[0]).toMatchObject({ force: true, reason: 'clinical sign-off #42', to: [{ version: 2, weight: 1 }] });
  });

  it('uploads: streamed with a size limit (nothing kept when over), hashed, tenant-scoped; keys stored as SHA-256 only', async () => {
    const store = makeStore();
    const reg = new Registry(store, { maxUploadBytes: 1000 });
    const up = await reg.uploads.put(T, Buffer.alloc(1000, 7), { filename: '../../etc/teacher.onnx', createdBy: actor });
    expect(up).toMatchObject({ status: 'ready', sha256: sha(Buffer.alloc(1000, 7)), bytes: 1000, filename: 'teacher.onnx' });
    await expect(reg.uploads.put(T, Buffer.alloc(1001), { createdBy: actor })).rejects.toMatchObject({ code: 'TOO_LARGE', message: expect.stringMatching(/1000 bytes/) });
    expect((await reg.uploads.list(T)).map((u) => u.id)).toEqual([up.id]);
    expect(await keysUnder(store, layout.uploadsPrefix(T))).toHaveLength(2); // blob + record of the one upload
    await expect(reg.uploads.get('other', up.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await reg.uploads.presign(T, { createdBy: actor, expiresInSeconds: 60 }).then((r) => r?.url ?? null)).toSatisfy((u: string | null) => (store instanceof FsBlobStore ? u === null : /^http/.test(u!)));

    const made = await reg.keys.create({ tenant: T, role: 'reader', name: 'dashboard', by: null });
    expect(await reg.keys.verify(made.key)).toEqual({ tenant: T, role: 'reader', keyId: made.keyId, name: 'dashboard' });
    expect(await reg.keys.verify(made.key + 'x')).toBeNull();
    const keyDocs = await keysUnder(store, 'keys/');
    expect(keyDocs).toEqual([`keys/${sha(made.key)}.json`]);
    for (const k of keyDocs) expect(Buffer.from((await store.get(k)).body).toString()).not.toContain(made.key);
  });
});

describe('Registry conditional writes on the filesystem store', () => {
  it('two concurrent rollouts from the same ETag: exactly one wins, the other gets PRECONDITION_FAILED', async () => {
    const reg = new Registry(new FsBlobStore(path.join(scratch, 'race')));
    await reg.models.create(T, { name: 'm', createdBy: actor });
    for (let i = 0; i < 3; i++) await registerBytes(reg, 'm', { 'model.onnx': `v${i}` });
    const a = await reg.aliases.set(T, 'm', 'prod', { targets: [{ version: 1, weight: 1 }], actor });
    for (let round = 0; round < 5; round++) {
      const cur = await reg.aliases.get(T, 'm', 'prod');
      const results = await Promise.allSettled([2, 3].map((v) => reg.aliases.set(T, 'm', 'prod', { targets: [{ version: v, weight: 1 }], ifMatch: cur.etag, actor })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason).toBeInstanceOf(RegistryError);
      expect(lost.reason.code).toBe('PRECONDITION_FAILED');
    }
    expect((await reg.auditTrail(T, 'm')).length).toBe(6); // the create and one winner per round
    // Concurrent creates of one alias: one wins.
    const creates = await Promise.allSettled([1, 2].map((v) => reg.aliases.set(T, 'm', 'canary', { targets: [{ version: v, weight: 1 }], actor })));
    expect(creates.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    void a;
  });

  it('concurrent registrations get distinct version numbers', async () => {
    const reg = new Registry(new FsBlobStore(path.join(scratch, 'race2')));
    await reg.models.create(T, { name: 'm', createdBy: actor });
    const made = await Promise.all(Array.from({ length: 5 }, (_, i) => registerBytes(reg, 'm', { 'model.onnx': `v${i}` })));
    expect(made.map((m) => m.version).sort()).toEqual([1, 2, 3, 4, 5]);
    for (const m of made) expect((await reg.versions.get(T, 'm', m.version)).artifacts[0].sha256).toBe(m.artifacts[0].sha256);
  });

  it('ensureAdmin creates the first (platform) key once; with a given key it registers that value', async () => {
    const reg = new Registry(new FsBlobStore(path.join(scratch, 'admin')));
    const first = await reg.keys.ensureAdmin();
    expect(first).toMatchObject({ created: true, tenant: 'default', key: expect.stringMatching(/^msk_/) });
    expect(await reg.keys.ensureAdmin()).toEqual({ created: false, tenant: 'default' });
    expect(await reg.keys.verify(first.key!)).toMatchObject({ role: 'platform', tenant: 'default' });
    const envKey = 'scripted-admin-key-0123456789';
    expect(await reg.keys.ensureAdmin({ key: envKey })).toEqual({ created: false, tenant: 'default' });
    expect(await reg.keys.verify(envKey)).toMatchObject({ role: 'platform' });
    await expect(reg.keys.ensureAdmin({ key: 'short' })).rejects.toMatchObject({ code: 'INVALID' });
  });
});

describe('Registry on S3 sends the conditions', () => {
  it('If-None-Match: * on creates and If-Match: "<etag>" on alias updates', async () => {
    const client = s3Client();
    const sent: { method: string; path: string; headers: Record<string, string> }[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        const r = args.request as { method: string; path: string; headers: Record<string, string> };
        sent.push({ method: r.method, path: r.path, headers: { ...r.headers } });
        return next(args);
      },
      { step: 'finalizeRequest', name: 'record' },
    );
    const reg = new Registry(new S3BlobStore({ bucket: 'reg', prefix: `cond-${randomBytes(3).toString('hex')}`, client }));
    await reg.models.create(T, { name: 'm', createdBy: actor });
    expect(sent.find((r) => r.method === 'PUT' && r.path.endsWith('/models/m/model.json'))!.headers['if-none-match']).toBe('*');
    await registerBytes(reg, 'm', { 'model.onnx': 'v1' });
    await registerBytes(reg, 'm', { 'model.onnx': 'v2' });
    const puts = (suffix: string) => sent.filter((r) => r.method === 'PUT' && r.path.endsWith(suffix));
    expect(puts('/versions/2/reserved.json')[0].headers['if-none-match']).toBe('*');
    expect(puts('/versions/2/manifest.json')[0].headers['if-none-match']).toBe('*');
    const a = await reg.aliases.set(T, 'm', 'prod', { targets: [{ version: 1, weight: 1 }], actor });
    expect(puts('/aliases/prod.json')[0].headers['if-none-match']).toBe('*');
    await reg.aliases.set(T, 'm', 'prod', { targets: [{ version: 2, weight: 1 }], ifMatch: a.etag, actor });
    expect(puts('/aliases/prod.json')[1].headers['if-match']).toBe(`"${a.etag}"`);
    const b = await reg.aliases.get(T, 'm', 'prod');
    await reg.aliases.rollback(T, 'm', 'prod', { actor });
    expect(puts('/aliases/prod.json')[2].headers['if-match']).toBe(`"${b.etag}"`);
    // An audit entry is a create-only document.
    expect(sent.filter((r) => r.method === 'PUT' && r.path.includes('/audit/')).every((r) => r.headers['if-none-match'] === '*')).toBe(true);
  });
});

describe('validateTargets', () => {
  it('accepts weights summing to 1 within 1e-9 and sorts by version', () => {
    expect(validateTargets([{ version: 4, weight: 0.1 }, { version: 3, weight: 0.9 }])).toEqual([{ version: 3, weight: 0.9 }, { version: 4, weight: 0.1 }]);
    expect(validateTargets([{ version: 1, weight: 1 / 3 }, { version: 2, weight: 1 / 3 }, { version: 3, weight: 1 / 3 }])).toHaveLength(3);
    expect(validateTargets([{ version: 1, weight: 1 }, { version: 2, weight: 0 }])).toHaveLength(2);
  });
  it.each([
    [[], /non-empty/],
    [[{ version: 1, weight: 0.6 }, { version: 2, weight: 0.6 }], /sum to 1 \(got 1.2\)/],
    [[{ version: 1, weight: Number.NaN }], /finite/],
    [[{ version: 1, weight: Infinity }], /finite/],
    [[{ version: 0, weight: 1 }], /integer ≥ 1/],
    [[{ version: 1.5, weight: 1 }], /integer ≥ 1/],
    [[{ version: 1, weight: 0.5 }, { version: 1, weight: 0.5 }], /appears twice/],
    [Array.from({ length: 9 }, (_, i) => ({ version: i + 1, weight: 1 / 9 })), /at most 8/],
    [[{ version: 1, weight: 1 + 2e-9 }], /sum to 1/],
  ])('rejects %j', (targets, message) => {
    expect(() => validateTargets(targets)).toThrow(message);
  });
});

