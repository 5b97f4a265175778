import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from './blob-store.ts';
import { blobStoreSuite } from './testing/blob-store-suite.ts';
import { FsBlobStore } from './fs-store.ts';
import { createBlobStore } from './index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../../..');
const childScript = path.join(here, 'testing', 'cas-child.ts');

let scratch: string;
let n = 0;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'medslim-fs-store-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});
const freshDir = () => path.join(scratch, `s${++n}`);

blobStoreSuite(
  'FsBlobStore',
  async () => {
    const dir = freshDir();
    return { store: new FsBlobStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
  { enforcesConditions: true },
  { describe, it, expect },
);

/** Every file under `dir`, relative, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  }
  return out.sort();
}

describe('FsBlobStore on disk', () => {
  it('stores the raw bytes under <key>#blob with a sidecar, and leaves no temp or lock files', async () => {
    const dir = freshDir();
    const store = new FsBlobStore(dir);
    await store.put('models/a b.onnx', Buffer.from('abc'));
    await store.put('models', Buffer.from('a key and a "directory" of the same name coexist'));
    await expect(store.put('x', Buffer.alloc(10), { maxBytes: 1 })).rejects.toMatchObject({ code: 'TOO_LARGE' });
    await expect(store.put('models', Buffer.from('no'), { ifNoneMatch: '*' })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect(await filesUnder(dir)).toEqual(['models#blob', 'models#meta', path.join('models', 'a%20b.onnx#blob'), path.join('models', 'a%20b.onnx#meta')]);
    expect(await readFile(path.join(dir, 'models', 'a%20b.onnx#blob'), 'utf8')).toBe('abc');
    await store.delete('models/a b.onnx');
    await expect(stat(path.join(dir, 'models'))).rejects.toMatchObject({ code: 'ENOENT' }); // empty directory pruned
    expect(store.describe()).toBe(`fs:${dir}`);
    expect(await store.presignGet('models', 60)).toBeNull();
    expect(await store.presignPut('models', { expiresInSeconds: 60 })).toBeNull();
  });

  it('ignores stray temp, lock and foreign files when listing', async () => {
    const dir = freshDir();
    const store = new FsBlobStore(dir);
    await store.put('a/k', Buffer.from('1'));
    await writeFile(path.join(dir, 'a', 'k#tmp-deadbeef'), 'half a write');
    await writeFile(path.join(dir, 'a', 'k#lock.stale-1'), '');
    await writeFile(path.join(dir, 'a', 'README'), 'not a blob');
    expect((await collect(store.list(''))).map((e) => e.key)).toEqual(['a/k']);
  });

  it('re-hashes a data file whose sidecar does not describe it (crash between renames, or edited by hand)', async () => {
    const dir = freshDir();
    const store = new FsBlobStore(dir);
    const before = await store.put('k', Buffer.from('old'));
    await writeFile(path.join(dir, 'k#blob'), 'new content');
    const head = await store.head('k');
    const sha = createHash('sha256').update('new content').digest('hex');
    expect(head).toEqual({ etag: sha, bytes: 11, sha256: sha });
    expect(head!.etag).not.toBe(before.etag);
    expect((await store.get('k')).etag).toBe(sha);
    // A conditional write against the stale etag must now fail.
    await expect(store.put('k', Buffer.from('x'), { ifMatch: before.etag })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
  });

  it('getStream keeps serving the version it opened while the key is replaced', async () => {
    const store = new FsBlobStore(freshDir());
    const v1 = await store.put('k', Buffer.alloc(1 << 20, 1));
    const s = await store.getStream('k');
    await store.put('k', Buffer.alloc(10, 2));
    expect(s.etag).toBe(v1.etag);
    const parts: Buffer[] = [];
    for await (const c of s.stream) parts.push(c as Buffer);
    expect(Buffer.concat(parts).equals(Buffer.alloc(1 << 20, 1))).toBe(true);
  });

  it('breaks a stale lock left by a crashed process, but waits for a live one', async () => {
    const dir = freshDir();
    // A lock untouched for 60 s is stale (30 s here). A store that did not break it would wait the whole
    // lockTimeoutMs and throw; so the put succeeding is the proof — no clock needed, however loaded the machine.
    const patient = new FsBlobStore(dir, { lockStaleMs: 30_000, lockTimeoutMs: 20_000 });
    await patient.put('k', Buffer.from('v1'));
    const lock = path.join(dir, 'k#lock');
    await writeFile(lock, '99999 crashed');
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    await patient.put('k', Buffer.from('v2'));
    expect(Buffer.from((await patient.get('k')).body).toString()).toBe('v2');

    // A fresh lock (a live holder) is respected until it goes stale (a lower bound on the wait: load only adds to it).
    const store = new FsBlobStore(dir, { lockStaleMs: 300 });
    await writeFile(lock, '1 alive');
    const t1 = Date.now();
    await store.put('k', Buffer.from('v3'));
    expect(Date.now() - t1).toBeGreaterThanOrEqual(250);
    expect(Buffer.from((await store.get('k')).body).toString()).toBe('v3');
    await expect(stat(lock)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('times out with StoreError IO when a lock is never released', async () => {
    const dir = freshDir();
    const store = new FsBlobStore(dir, { lockStaleMs: 60_000, lockTimeoutMs: 200 });
    await store.put('k', Buffer.from('v1'));
    await writeFile(path.join(dir, 'k#lock'), '1 alive');
    const e = await store.put('k', Buffer.from('v2')).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(StoreError);
    expect(e).toMatchObject({ code: 'IO', message: expect.stringMatching(/timed out/) });
    expect(Buffer.from((await store.get('k')).body).toString()).toBe('v1');
    expect((await readdir(dir)).sort()).toEqual(['k#blob', 'k#lock', 'k#meta']); // no temp files left
  });

  it('createBlobStore builds an FsBlobStore', () => {
    const store = createBlobStore({ kind: 'fs', dir: '/tmp/x' });
    expect(store).toBeInstanceOf(FsBlobStore);
    expect(() => createBlobStore({ kind: 'nope' } as never)).toThrow(TypeError);
  });
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('FsBlobStore conditional writes under concurrency (same process)', () => {
  it('20 concurrent put(ifMatch: sameEtag): exactly 1 succeeds, 19 get PRECONDITION_FAILED', async () => {
    const store = new FsBlobStore(freshDir());
    const base = await store.put('alias/prod', Buffer.from('v0'));
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => store.put('alias/prod', Buffer.from(`writer ${i}`), { ifMatch: base.etag })),
    );
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    const codes = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as StoreError).code] : []));
    expect(codes).toEqual(Array(19).fill('PRECONDITION_FAILED'));
    expect(Buffer.from((await store.get('alias/prod')).body).toString()).toBe(`writer ${won[0]}`);
  });

  it('compare-and-swap increments from 10 concurrent tasks lose no update', async () => {
    const store = new FsBlobStore(freshDir(), { fsync: false });
    await store.put('counter', Buffer.from('0'));
    const increment = async () => {
      for (let done = 0; done < 5; ) {
        const cur = await store.get('counter');
        const next = Number(Buffer.from(cur.body).toString()) + 1;
        try {
          await store.put('counter', Buffer.from(String(next)), { ifMatch: cur.etag });
          done++;
        } catch (e) {
          if (!StoreError.is(e, 'PRECONDITION_FAILED')) throw e;
        }
      }
    };
    await Promise.all(Array.from({ length: 10 }, increment));
    expect(Buffer.from((await store.get('counter')).body).toString()).toBe('50');
  });
});

interface Child {
  ready: Promise<void>;
  result: Promise<Record<string, unknown>>;
  go(): void;
}

/** Start cas-child.ts in its own Node process (tsx loader), resolving when it prints `ready`. */
function startChild(args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', childScript, ...args], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  proc.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    if (out.startsWith('ready\n')) onReady();
  });
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const result = new Promise<Record<string, unknown>>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code) => {
      const line = out.split('\n').filter(Boolean).pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`child exited ${code}: ${out}\n${err}`));
      else resolve(JSON.parse(line) as Record<string, unknown>);
    });
  });
  result.catch(() => onReady()); // do not hang on `ready` if the child dies first
  return { ready, result, go: () => proc.stdin.end('go\n') };
}

describe('FsBlobStore conditional writes across processes', () => {
  it('4 processes racing put(ifMatch: sameEtag): exactly one wins', async () => {
    const root = freshDir();
    const store = new FsBlobStore(root);
    const base = await store.put('alias/prod', Buffer.from('v0'));
    const children = Array.from({ length: 4 }, (_, i) => startChild(['once', root, 'alias/prod', base.etag, String(i)]));
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.go();
    const results = await Promise.all(children.map((c) => c.result));
    const winners = results.filter((r) => r.ok === true);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.ok === false).map((r) => r.code)).toEqual(['PRECONDITION_FAILED', 'PRECONDITION_FAILED', 'PRECONDITION_FAILED']);
    const final = await store.get('alias/prod');
    expect(Buffer.from(final.body).toString()).toBe(`writer ${winners[0].id}`);
    expect(final.etag).toBe(winners[0].etag);
  });

  // The sharper test: a single race has a sub-millisecond window, but 90 contended read-modify-write
  // cycles lose updates without the cross-process lock (checked by disabling it: 75 instead of 90).
  it('3 processes × 30 compare-and-swap increments lose no update', async () => {
    const root = freshDir();
    const store = new FsBlobStore(root);
    await store.put('counter', Buffer.from('0'));
    const children = Array.from({ length: 3 }, () => startChild(['counter', root, 'counter', '30']));
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.go();
    const results = await Promise.all(children.map((c) => c.result));
    expect(results.map((r) => r.ok)).toEqual([30, 30, 30]);
    expect(Buffer.from((await store.get('counter')).body).toString()).toBe('90');
    expect(await readdir(root)).toEqual(expect.not.arrayContaining([expect.stringMatching(/#(tmp|mtmp|lock)/)]));
  });
});
