/** Small JSON documents in a BlobStore: read with the ETag, write conditionally, list, and CAS-update. */
import type { BlobStore } from './store/index.ts';
import { StoreError } from './store/index.ts';
import { RegistryError } from './errors.ts';

/** A parsed document and the store ETag it was read at. */
export interface Doc<T> {
  value: T;
  etag: string;
}

/**
 * Read and parse `key`, or `null` when it does not exist. A document that does not parse is read
 * again a few times first: S3 and the filesystem store replace objects atomically, but some
 * S3-compatible servers (s3rver) let a reader see a write in progress.
 * @throws StoreError 'IO'; SyntaxError for a document that stays corrupt.
 */
export async function readDoc<T>(store: BlobStore, key: string): Promise<Doc<T> | null> {
  for (let attempt = 0; ; attempt++) {
    let got: { body: Uint8Array; etag: string };
    try {
      got = await store.get(key);
    } catch (e) {
      if (StoreError.is(e, 'NOT_FOUND')) return null;
      throw e;
    }
    try {
      return { value: JSON.parse(Buffer.from(got.body).toString('utf8')) as T, etag: got.etag };
    } catch (e) {
      if (attempt >= 4) throw e;
      await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
    }
  }
}

/**
 * Write `value` as JSON under `key`, optionally conditional (`ifMatch` etag / `ifNoneMatch: '*'`).
 * @returns the new ETag.
 * @throws StoreError 'PRECONDITION_FAILED' when the condition is false, 'IO'.
 */
export async function writeDoc(store: BlobStore, key: string, value: unknown, cond: { ifMatch?: string; ifNoneMatch?: '*' } = {}): Promise<string> {
  const body = Buffer.from(JSON.stringify(value, null, 1) + '\n', 'utf8');
  const r = await store.put(key, body, { ...cond, contentType: 'application/json' });
  return r.etag;
}

/** Every key under `prefix` (in the store's order). */
export async function listKeys(store: BlobStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of store.list(prefix)) out.push(e.key);
  return out;
}

/**
 * Read-modify-write `key` with compare-and-swap: `mutate` gets the current value (or `null`) and returns
 * the new one, or `undefined` to leave the document as it is. Retries on a lost race (412) up to
 * `attempts` times, re-reading each time — so `mutate` must be a pure function of its input.
 *
 * @returns the document as written (or as read, when `mutate` returned `undefined`).
 * @throws RegistryError 'CONFLICT' after `attempts` lost races; whatever `mutate` throws.
 */
export async function updateDoc<T>(
  store: BlobStore,
  key: string,
  mutate: (current: T | null) => T | undefined,
  attempts = 20,
): Promise<Doc<T> | null> {
  for (let i = 0; i < attempts; i++) {
    const cur = await readDoc<T>(store, key);
    const next = mutate(cur?.value ?? null);
    if (next === undefined) return cur;
    try {
      const etag = await writeDoc(store, key, next, cur ? { ifMatch: cur.etag } : { ifNoneMatch: '*' });
      return { value: next, etag };
    } catch (e) {
      if (!StoreError.is(e, 'PRECONDITION_FAILED')) throw e;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (i + 1)));
    }
  }
  throw new RegistryError('CONFLICT', `${key} kept changing under ${attempts} concurrent updates; try again`);
}
