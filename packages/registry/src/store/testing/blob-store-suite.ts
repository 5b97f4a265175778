/**
 * The shared `BlobStore` test suite: one suite every implementation must pass (test-only; not
 * exported from the package). It imports nothing from vitest at run time (only types); the
 * caller passes its test functions in:
 *
 * @example
 *   import { describe, expect, it } from 'vitest';
 *   blobStoreSuite('FsBlobStore', async () => ({ store, cleanup }), { enforcesConditions: true }, { describe, it, expect });
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { describe as vitestDescribe, expect as vitestExpect, it as vitestIt } from 'vitest';
import type { BlobStore, ListEntry } from '../blob-store.ts';
import { MAX_KEY_BYTES, StoreError } from '../blob-store.ts';

/** The test-runner functions the suite registers its tests with (vitest's). */
export interface SuiteTestApi {
  describe: typeof vitestDescribe;
  it: typeof vitestIt;
  expect: typeof vitestExpect;
}

/** A fresh, empty store for one test, and how to dispose of it. */
export interface StoreFixture {
  store: BlobStore;
  cleanup(): Promise<void>;
}

/** What the backend under test is known to guarantee. */
export interface SuiteOptions {
  /**
   * Whether the backend really enforces If-Match / If-None-Match (the fs store, real S3). Servers that
   * accept but ignore the headers (s3rver) pass `false`, and the tests that expect a write to be
   * refused are reported as skipped.
   */
  enforcesConditions: boolean;
  /**
   * Whether `list` yields keys in ascending UTF-8 byte order, as the interface promises (the fs store,
   * real S3). Default true. s3rver lists in its directory-walk order, so its run passes `false` and the
   * listing tests compare sorted keys instead.
   */
  listsInByteOrder?: boolean;
}

const MiB = 1024 * 1024;

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `data` as a Readable of `chunk`-byte pieces (a generated stream, not one big chunk). */
function chunked(data: Uint8Array, chunk = 64 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.byteLength; i += chunk) yield data.subarray(i, Math.min(i + chunk, data.byteLength));
    })(),
    { objectMode: false },
  );
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts);
}

async function listAll(store: BlobStore, prefix: string): Promise<ListEntry[]> {
  const out: ListEntry[] = [];
  for await (const e of store.list(prefix)) out.push(e);
  return out;
}

/**
 * Register the BlobStore suite under `describe('BlobStore suite: <name>')`.
 * Every test gets its own fixture from `makeStore` and disposes of it afterwards.
 *
 * Covers: byte and stream round trips (a 20 MiB stream, multipart on S3), SHA-256 equal to
 * node:crypto's, empty bodies, head / list / delete, NOT_FOUND and BAD_KEY errors, `maxBytes`
 * → TOO_LARGE leaving nothing behind, conditional writes (RFC 7232 / S3 conditional writes) and
 * concurrent writers.
 */
export function blobStoreSuite(
  name: string,
  makeStore: () => Promise<StoreFixture>,
  opts: SuiteOptions,
  api: SuiteTestApi,
): void {
  const { describe, it, expect } = api;
  const enforced = it.skipIf(!opts.enforcesConditions);
  const ordered = opts.listsInByteOrder ?? true;
  /** Keys of a listing, in the order the store gave them, or byte-sorted where order is not promised. */
  const keysOf = (entries: ListEntry[]) => {
    const keys = entries.map((e) => e.key);
    return ordered ? keys : keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  };

  const withStore = (fn: (store: BlobStore) => Promise<void>) => async () => {
    const fixture = await makeStore();
    try {
      await fn(fixture.store);
    } finally {
      await fixture.cleanup();
    }
  };

  async function errorOf(p: Promise<unknown>): Promise<StoreError> {
    try {
      await p;
    } catch (e) {
      expect(e).toBeInstanceOf(StoreError);
      return e as StoreError;
    }
    throw new Error('expected the promise to reject with a StoreError');
  }

  describe(`BlobStore suite: ${name}`, () => {
    it(
      'round-trips bytes; put, get and head agree on etag, size and sha256',
      withStore(async (store) => {
        const data = randomBytes(1000);
        const put = await store.put('models/a.onnx', data, { contentType: 'application/octet-stream' });
        expect(put).toEqual({ etag: expect.any(String), sha256: sha256Hex(data), bytes: 1000 });
        expect(put.etag).not.toMatch(/"/);
        const got = await store.get('models/a.onnx');
        expect(Buffer.from(got.body).equals(data)).toBe(true);
        expect(got.body).toBeInstanceOf(Uint8Array);
        expect(got.etag).toBe(put.etag);
        expect(await store.head('models/a.onnx')).toEqual({ etag: put.etag, bytes: 1000, sha256: put.sha256 });
      }),
    );

    it(
      'stores an empty body',
      withStore(async (store) => {
        const put = await store.put('empty', new Uint8Array(0));
        expect(put.bytes).toBe(0);
        expect(put.sha256).toBe(sha256Hex(new Uint8Array(0)));
        expect((await store.get('empty')).body.byteLength).toBe(0);
        expect((await store.head('empty'))?.bytes).toBe(0);
        const s = await store.getStream('empty');
        expect((await collect(s.stream)).byteLength).toBe(0);
      }),
    );

    it(
      'round-trips a 20 MiB generated stream; sha256 equals node:crypto',
      withStore(async (store) => {
        const data = randomBytes(20 * MiB);
        const expected = sha256Hex(data);
        const put = await store.put('big/stream.bin', chunked(data));
        expect(put.sha256).toBe(expected);
        expect(put.bytes).toBe(20 * MiB);
        const head = await store.head('big/stream.bin');
        expect(head).toEqual({ etag: put.etag, bytes: 20 * MiB, sha256: expected });
        const s = await store.getStream('big/stream.bin');
        expect(s.etag).toBe(put.etag);
        expect(s.bytes).toBe(20 * MiB);
        expect(sha256Hex(await collect(s.stream))).toBe(expected);
      }),
    );

    it(
      'round-trips a buffer larger than one multipart part (9 MiB)',
      withStore(async (store) => {
        const data = randomBytes(9 * MiB);
        const put = await store.put('big/buffer.bin', data);
        expect(put).toEqual({ etag: expect.any(String), sha256: sha256Hex(data), bytes: 9 * MiB });
        expect(await store.head('big/buffer.bin')).toEqual({ etag: put.etag, bytes: 9 * MiB, sha256: put.sha256 });
        expect(sha256Hex((await store.get('big/buffer.bin')).body)).toBe(put.sha256);
      }),
    );

    it(
      'accepts any AsyncIterable<Uint8Array> as a body',
      withStore(async (store) => {
        const parts = [Buffer.from('hello, '), new Uint8Array(0), new TextEncoder().encode('world')];
        async function* gen() {
          for (const p of parts) yield p;
        }
        const put = await store.put('iter.txt', gen());
        expect(put.bytes).toBe(12);
        expect(Buffer.from((await store.get('iter.txt')).body).toString()).toBe('hello, world');
        expect(put.sha256).toBe(sha256Hex(Buffer.from('hello, world')));
      }),
    );

    it(
      'overwriting replaces the content and the etag',
      withStore(async (store) => {
        const a = await store.put('k', Buffer.from('first'));
        const b = await store.put('k', Buffer.from('second'));
        expect(b.etag).not.toBe(a.etag);
        expect(Buffer.from((await store.get('k')).body).toString()).toBe('second');
        expect((await store.head('k'))?.etag).toBe(b.etag);
      }),
    );

    it(
      'missing keys: head is null, get and getStream throw NOT_FOUND, delete is a no-op',
      withStore(async (store) => {
        expect(await store.head('nope/x')).toBeNull();
        const e1 = await errorOf(store.get('nope/x'));
        expect(e1.code).toBe('NOT_FOUND');
        expect(e1.name).toBe('StoreError');
        expect(e1.key).toBe('nope/x');
        expect((await errorOf(store.getStream('nope/x'))).code).toBe('NOT_FOUND');
        await store.delete('nope/x');
      }),
    );

    it(
      'delete removes the key from head, get and list',
      withStore(async (store) => {
        await store.put('d/1', Buffer.from('x'));
        await store.put('d/2', Buffer.from('y'));
        await store.delete('d/1');
        expect(await store.head('d/1')).toBeNull();
        expect((await errorOf(store.get('d/1'))).code).toBe('NOT_FOUND');
        expect((await listAll(store, 'd/')).map((e) => e.key)).toEqual(['d/2']);
        await store.delete('d/2');
        expect(await listAll(store, '')).toEqual([]);
      }),
    );

    it(
      'list yields every key under a string prefix in byte order, with size and etag',
      withStore(async (store) => {
        const keys = ['l/b/c', 'l/a', 'l/b-', 'l/ab', 'l/b', 'm/x', 'l/é'];
        const etags = new Map<string, string>();
        for (const [i, k] of keys.entries()) etags.set(k, (await store.put(k, Buffer.alloc(i + 1, i))).etag);
        const all = await listAll(store, '');
        expect(keysOf(all)).toEqual(['l/a', 'l/ab', 'l/b', 'l/b-', 'l/b/c', 'l/é', 'm/x']);
        for (const e of all) {
          expect(e.etag).toBe(etags.get(e.key));
          expect(e.bytes).toBe(keys.indexOf(e.key) + 1);
        }
        expect(keysOf(await listAll(store, 'l/b'))).toEqual(['l/b', 'l/b-', 'l/b/c']);
        expect((await listAll(store, 'l/b/')).map((e) => e.key)).toEqual(['l/b/c']);
        expect((await listAll(store, 'l')).length).toBe(6);
        expect(await listAll(store, 'zzz/')).toEqual([]);
      }),
    );

    it(
      'rejects malformed keys and prefixes with BAD_KEY before touching the backend',
      withStore(async (store) => {
        const bad = ['', '/a', 'a/', 'a//b', '../a', 'a/../b', './a', 'a/.', 'a\u0000b', 'x'.repeat(MAX_KEY_BYTES + 1)];
        for (const key of bad) {
          for (const call of [
            () => store.put(key, Buffer.from('x')),
            () => store.get(key),
            () => store.getStream(key),
            () => store.head(key),
            () => store.delete(key),
            () => store.presignGet(key, 60),
          ]) {
            expect((await errorOf(call())).code, JSON.stringify(key.slice(0, 20))).toBe('BAD_KEY');
          }
        }
        for (const prefix of ['/a', 'a//', '../', 'a/../']) {
          expect((await errorOf(listAll(store, prefix))).code).toBe('BAD_KEY');
        }
        // Long but legal (989 bytes in 99-byte segments, leaving room for an S3 store's prefix);
        // segments with dots, spaces, '#' and non-ASCII characters.
        const long = Array.from({ length: 9 }, (_, i) => String(i).repeat(99)).join('/') + '/' + 'z'.repeat(89);
        for (const key of [long, 'a..b/...', 'with space/ü #1.onnx']) {
          await store.put(key, Buffer.from(key));
          expect(Buffer.from((await store.get(key)).body).toString()).toBe(key);
          expect((await listAll(store, key)).map((e) => e.key)).toEqual([key]);
        }
      }),
    );

    it(
      'maxBytes: an oversized buffer or stream throws TOO_LARGE naming the limit and stores nothing',
      withStore(async (store) => {
        const e1 = await errorOf(store.put('lim/buf', randomBytes(100), { maxBytes: 99 }));
        expect(e1.code).toBe('TOO_LARGE');
        expect(e1.message).toMatch(/\b99\b/);
        expect(await store.head('lim/buf')).toBeNull();

        const e2 = await errorOf(store.put('lim/small-stream', chunked(randomBytes(4096), 1000), { maxBytes: 4095 }));
        expect(e2.code).toBe('TOO_LARGE');
        expect(await store.head('lim/small-stream')).toBeNull();

        // Larger than a multipart part: S3 has already uploaded parts when the limit trips.
        const limit = 12 * MiB;
        const e3 = await errorOf(store.put('lim/big-stream', chunked(randomBytes(20 * MiB)), { maxBytes: limit }));
        expect(e3.code).toBe('TOO_LARGE');
        expect(e3.message).toContain(String(limit));
        expect(await store.head('lim/big-stream')).toBeNull();

        // An oversized overwrite leaves the old version in place.
        const old = await store.put('lim/keep', Buffer.from('old'));
        expect((await errorOf(store.put('lim/keep', chunked(Buffer.alloc(10)), { maxBytes: 5 }))).code).toBe('TOO_LARGE');
        expect(await store.head('lim/keep')).toMatchObject({ etag: old.etag, bytes: 3 });

        // Exactly at the limit is fine.
        expect((await store.put('lim/exact', chunked(Buffer.alloc(5)), { maxBytes: 5 })).bytes).toBe(5);
        expect(keysOf(await listAll(store, 'lim/'))).toEqual(['lim/exact', 'lim/keep']);
      }),
    );

    it(
      'invalid put options are TypeErrors',
      withStore(async (store) => {
        await expect(store.put('o', Buffer.from('x'), { ifNoneMatch: 'abc' as '*' })).rejects.toBeInstanceOf(TypeError);
        await expect(store.put('o', Buffer.from('x'), { maxBytes: -1 })).rejects.toBeInstanceOf(TypeError);
        await expect(store.put('o', Buffer.from('x'), { ifMatch: '' })).rejects.toBeInstanceOf(TypeError);
        expect(await store.head('o')).toBeNull();
      }),
    );

    it(
      'conditional writes whose condition holds succeed (quoted or bare etags)',
      withStore(async (store) => {
        const a = await store.put('c/k', Buffer.from('v1'), { ifNoneMatch: '*' });
        const b = await store.put('c/k', Buffer.from('v2'), { ifMatch: a.etag });
        const c = await store.put('c/k', Buffer.from('v3'), { ifMatch: `"${b.etag}"` });
        expect(Buffer.from((await store.get('c/k')).body).toString()).toBe('v3');
        const big = await store.put('c/big', chunked(randomBytes(9 * MiB)), { ifNoneMatch: '*' });
        expect((await store.head('c/big'))?.etag).toBe(big.etag);
        await store.delete('c/k', { ifMatch: c.etag });
        expect(await store.head('c/k')).toBeNull();
      }),
    );

    enforced(
      'ifNoneMatch "*" on an existing key throws PRECONDITION_FAILED and keeps the content',
      withStore(async (store) => {
        const a = await store.put('c/k', Buffer.from('v1'));
        const e = await errorOf(store.put('c/k', Buffer.from('v2'), { ifNoneMatch: '*' }));
        expect(e.code).toBe('PRECONDITION_FAILED');
        expect((await store.head('c/k'))?.etag).toBe(a.etag);
        const e2 = await errorOf(store.put('c/k', chunked(randomBytes(9 * MiB)), { ifNoneMatch: '*' }));
        expect(e2.code).toBe('PRECONDITION_FAILED');
        expect(Buffer.from((await store.get('c/k')).body).toString()).toBe('v1');
      }),
    );

    enforced(
      'ifMatch with a stale etag, or on a missing key, throws PRECONDITION_FAILED',
      withStore(async (store) => {
        const a = await store.put('c/k', Buffer.from('v1'));
        await store.put('c/k', Buffer.from('v2'));
        expect((await errorOf(store.put('c/k', Buffer.from('v3'), { ifMatch: a.etag }))).code).toBe('PRECONDITION_FAILED');
        expect(Buffer.from((await store.get('c/k')).body).toString()).toBe('v2');
        expect((await errorOf(store.put('c/missing', Buffer.from('x'), { ifMatch: a.etag }))).code).toBe('PRECONDITION_FAILED');
        expect(await store.head('c/missing')).toBeNull();
        expect((await errorOf(store.delete('c/k', { ifMatch: a.etag }))).code).toBe('PRECONDITION_FAILED');
        expect(await store.head('c/k')).not.toBeNull();
      }),
    );

    enforced(
      'concurrent ifNoneMatch "*" creates: exactly one wins',
      withStore(async (store) => {
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => store.put('c/once', Buffer.from(`writer ${i}`), { ifNoneMatch: '*' })),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect((r.reason as StoreError).code).toBe('PRECONDITION_FAILED');
        }
        expect((await store.head('c/once'))?.etag).toBe((won[0] as PromiseFulfilledResult<{ etag: string }>).value.etag);
      }),
    );

    it(
      'concurrent unconditional writers leave exactly one complete version',
      withStore(async (store) => {
        const bodies = Array.from({ length: 8 }, () => randomBytes(256 * 1024));
        const results = await Promise.all(bodies.map((b) => store.put('race', chunked(b))));
        const got = await store.get('race');
        const sha = sha256Hex(got.body);
        expect(bodies.map(sha256Hex)).toContain(sha);
        const winner = results.find((r) => r.sha256 === sha)!;
        expect(got.etag).toBe(winner.etag);
        expect(await store.head('race')).toEqual({ etag: winner.etag, bytes: 256 * 1024, sha256: sha });
        expect(await listAll(store, '')).toEqual([{ key: 'race', bytes: 256 * 1024, etag: winner.etag }]);
      }),
    );

    it(
      'presign returns a URL or null and validates the expiry',
      withStore(async (store) => {
        const put = await store.presignPut('p/x', { expiresInSeconds: 60 });
        const get = await store.presignGet('p/x', 60);
        for (const url of [put, get]) {
          if (url !== null) expect(new URL(url).protocol).toMatch(/^https?:$/);
        }
        expect((put === null) === (get === null)).toBe(true);
        await expect(store.presignGet('p/x', 0)).rejects.toBeInstanceOf(RangeError);
        await expect(store.presignPut('p/x', { expiresInSeconds: 604_801 })).rejects.toBeInstanceOf(RangeError);
      }),
    );

    it(
      'describe() names the backend',
      withStore(async (store) => {
        expect(store.describe()).toMatch(/^(fs|s3):/);
      }),
    );
  });
}
