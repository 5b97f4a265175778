/**
 * The `BlobStore` seam: a byte-oriented object store with '/'-separated keys,
 * content hashes and conditional writes. Two implementations sit behind it:
 *
 * - `FsBlobStore` (fs-store.ts): a directory on local disk; the embedded default.
 * - `S3BlobStore` (s3-store.ts): an S3 bucket (or an S3-compatible server).
 *
 * Both are checked by the one shared test suite in testing/blob-store-suite.ts.
 *
 * Conditional requests follow RFC 7232 and the S3 API's conditional writes:
 * `ifNoneMatch: '*'` means "only if the key does not exist", `ifMatch: etag`
 * means "only if the key exists and its current ETag is `etag`". A failed
 * condition throws `StoreError` with code `'PRECONDITION_FAILED'` and leaves the
 * object as it was.
 */
import type { Readable } from 'node:stream';

/** Stable reasons a `StoreError` carries in `code`. */
export type StoreErrorCode =
  /** The key does not exist (get, getStream). */
  | 'NOT_FOUND'
  /** An `ifMatch` / `ifNoneMatch` condition was false (RFC 7232 412, or S3 409 ConditionalRequestConflict). */
  | 'PRECONDITION_FAILED'
  /** The body was larger than `maxBytes`; nothing was stored. */
  | 'TOO_LARGE'
  /** The key or list prefix is malformed (see `validateKey`). */
  | 'BAD_KEY'
  /** Anything else: disk or network failure, permissions, an unreachable server. `cause` holds the original error. */
  | 'IO';

/**
 * The one error class thrown by blob stores.
 *
 * @example
 *   try { await store.put(k, body, { ifNoneMatch: '*' }) }
 *   catch (e) { if (StoreError.is(e, 'PRECONDITION_FAILED')) ... }
 */
export class StoreError extends Error {
  /** Stable machine-readable reason. */
  readonly code: StoreErrorCode;
  /** The key the failed operation was about, when there was one. */
  readonly key: string | undefined;

  constructor(code: StoreErrorCode, message: string, options?: { key?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreError';
    this.code = code;
    this.key = options?.key;
  }

  /** True when `err` is a `StoreError` (with the given `code`, if one is passed). */
  static is(err: unknown, code?: StoreErrorCode): err is StoreError {
    return err instanceof StoreError && (code === undefined || err.code === code);
  }
}

/** A body for `put`: bytes in memory, a Node readable stream, or any async iterable of byte chunks. */
export type PutBody = Uint8Array | Readable | AsyncIterable<Uint8Array>;

/** Options of `BlobStore.put`. */
export interface PutOptions {
  /**
   * Write only if the key exists and its current ETag equals this one (RFC 7232 If-Match;
   * quotes and a `W/` prefix are ignored). Otherwise throws `'PRECONDITION_FAILED'`,
   * including when the key does not exist.
   */
  ifMatch?: string;
  /** `'*'`: write only if the key does not exist (RFC 7232 If-None-Match), else `'PRECONDITION_FAILED'`. */
  ifNoneMatch?: '*';
  /** MIME type recorded with the object (S3 Content-Type; kept in the fs store's metadata). */
  contentType?: string;
  /** Largest body accepted, in bytes. A longer body is aborted mid-stream, nothing is stored, and `'TOO_LARGE'` is thrown. */
  maxBytes?: number;
}

/** What `put` stored. */
export interface PutResult {
  /** The new ETag of the key, without quotes. */
  etag: string;
  /** Lower-case hex SHA-256 of the stored bytes, computed while streaming. */
  sha256: string;
  /** Number of bytes stored. */
  bytes: number;
}

/** What `head` knows about a key without reading its body. */
export interface HeadResult {
  /** Current ETag, without quotes. */
  etag: string;
  /** Size in bytes. */
  bytes: number;
  /** Lower-case hex SHA-256 of the content, when the store knows it (always for objects written by `put`). */
  sha256?: string;
}

/** One entry yielded by `list`. */
export interface ListEntry {
  /** The key, relative to the store (an S3 store's prefix is removed). */
  key: string;
  /** Size in bytes. */
  bytes: number;
  /** Current ETag, without quotes. */
  etag: string;
}

/**
 * A byte-oriented object store. Keys are '/'-separated strings checked by `validateKey`;
 * every method throws `StoreError` (`'BAD_KEY'` for a malformed key, `'IO'` for failures
 * of the backend, plus the codes each method lists).
 */
export interface BlobStore {
  /**
   * Store `body` under `key`, replacing what was there. Streams the body (large bodies are not
   * held in memory whole) and computes its SHA-256 on the way.
   *
   * @throws StoreError `'TOO_LARGE'` when the body exceeds `opts.maxBytes` (nothing is stored),
   *   `'PRECONDITION_FAILED'` when `ifMatch` / `ifNoneMatch` is false (RFC 7232, S3 conditional writes).
   */
  put(key: string, body: PutBody, opts?: PutOptions): Promise<PutResult>;
  /**
   * Read a whole object into memory. Use `getStream` for large objects.
   * @throws StoreError `'NOT_FOUND'` when the key does not exist.
   */
  get(key: string): Promise<{ body: Uint8Array; etag: string }>;
  /**
   * Open an object for streaming; `bytes` is its size in bytes. The caller must consume or destroy `stream`.
   * @throws StoreError `'NOT_FOUND'` when the key does not exist.
   */
  getStream(key: string): Promise<{ stream: Readable; etag: string; bytes: number }>;
  /** Size, ETag and (when known) SHA-256 of `key`, or `null` when it does not exist. */
  head(key: string): Promise<HeadResult | null>;
  /**
   * Remove `key`. Deleting a key that does not exist is not an error (as in S3), unless
   * `ifMatch` is given: then the key must exist with that ETag, else `'PRECONDITION_FAILED'`.
   */
  delete(key: string, opts?: { ifMatch?: string }): Promise<void>;
  /**
   * Every key that starts with `prefix` (a plain string prefix, as in S3's ListObjectsV2, not
   * a directory), in ascending UTF-8 byte order. `''` lists everything.
   * @throws StoreError `'BAD_KEY'` when no valid key could start with `prefix` (e.g. '/a', 'a//', '../').
   */
  list(prefix: string): AsyncIterable<ListEntry>;
  /**
   * A URL a client can HTTP PUT the object's bytes to, valid for `expiresInSeconds` (1 … 604800).
   * When `contentType` is given the uploader must send that exact Content-Type header.
   * `null` when the store has no URLs (the fs store).
   */
  presignPut(key: string, opts: { expiresInSeconds: number; contentType?: string }): Promise<string | null>;
  /** A URL a client can HTTP GET the object from, valid for `expiresInSeconds` (1 … 604800); `null` when the store has no URLs. */
  presignGet(key: string, expiresInSeconds: number): Promise<string | null>;
  /** A one-line human description, e.g. `fs:/var/lib/medslim/blobs` or `s3://bucket/prefix/`. */
  describe(): string;
}

/** Longest key accepted, in UTF-8 bytes (S3's limit; 1024 characters for ASCII keys). */
export const MAX_KEY_BYTES = 1024;

/** Longest presigned URL lifetime in seconds (SigV4 allows at most 7 days). */
export const MAX_PRESIGN_SECONDS = 604_800;

function badKey(key: string, why: string): StoreError {
  return new StoreError('BAD_KEY', `invalid key ${JSON.stringify(key.length > 80 ? key.slice(0, 80) + '…' : key)}: ${why}`, {
    key,
  });
}

/**
 * Check a key: a non-empty string of '/'-separated segments, at most `MAX_KEY_BYTES` UTF-8 bytes,
 * with no leading '/', no trailing '/', no empty segment ('a//b'), no '.' or '..' segment,
 * and no NUL or other control characters.
 *
 * @throws StoreError `'BAD_KEY'` naming the rule that was broken.
 */
export function validateKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw badKey(String(key), 'must be a non-empty string');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw badKey(key, `longer than ${MAX_KEY_BYTES} bytes`);
  if (/[\u0000-\u001f\u007f]/.test(key)) throw badKey(key, 'contains a control character');
  if (key.startsWith('/')) throw badKey(key, "must not start with '/'");
  for (const seg of key.split('/')) {
    if (seg === '') throw badKey(key, "has an empty segment ('//' or a trailing '/')");
    if (seg === '.' || seg === '..') throw badKey(key, `has a '${seg}' segment`);
  }
}

/**
 * Check a `list` prefix: `''`, or a string some valid key could start with — the rules of
 * `validateKey` applied to every complete segment (the part after the last '/' may be partial).
 *
 * @throws StoreError `'BAD_KEY'`.
 */
export function validatePrefix(prefix: string): void {
  if (typeof prefix !== 'string') throw badKey(String(prefix), 'prefix must be a string');
  if (prefix === '') return;
  if (Buffer.byteLength(prefix, 'utf8') > MAX_KEY_BYTES) throw badKey(prefix, `longer than ${MAX_KEY_BYTES} bytes`);
  if (/[\u0000-\u001f\u007f]/.test(prefix)) throw badKey(prefix, 'contains a control character');
  if (prefix.startsWith('/')) throw badKey(prefix, "must not start with '/'");
  const complete = prefix.split('/').slice(0, -1);
  for (const seg of complete) {
    if (seg === '') throw badKey(prefix, "has an empty segment ('//')");
    if (seg === '.' || seg === '..') throw badKey(prefix, `has a '${seg}' segment`);
  }
}

/**
 * Normalise an entity tag for comparison (RFC 7232 §2.3): drop a weak `W/` prefix and the
 * surrounding double quotes. `"abc"`, `W/"abc"` and `abc` all become `abc`.
 */
export function normalizeEtag(etag: string): string {
  let e = etag.trim();
  if (e.startsWith('W/')) e = e.slice(2);
  if (e.length >= 2 && e.startsWith('"') && e.endsWith('"')) e = e.slice(1, -1);
  return e;
}

/**
 * Check `put` options before any byte is read.
 * @throws TypeError for an `ifNoneMatch` other than '*', an empty `ifMatch`, or a `maxBytes`
 *   that is not a non-negative safe integer.
 */
export function checkPutOptions(opts: PutOptions | undefined): void {
  if (!opts) return;
  if (opts.ifNoneMatch !== undefined && opts.ifNoneMatch !== '*') {
    throw new TypeError(`ifNoneMatch must be '*' (got ${JSON.stringify(opts.ifNoneMatch)})`);
  }
  if (opts.ifMatch !== undefined && (typeof opts.ifMatch !== 'string' || normalizeEtag(opts.ifMatch) === '')) {
    throw new TypeError('ifMatch must be a non-empty ETag string');
  }
  if (opts.maxBytes !== undefined && !(Number.isSafeInteger(opts.maxBytes) && opts.maxBytes >= 0)) {
    throw new TypeError(`maxBytes must be a non-negative integer number of bytes (got ${opts.maxBytes})`);
  }
}

/** @throws RangeError unless `seconds` is an integer in 1 … `MAX_PRESIGN_SECONDS`. */
export function checkExpires(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGN_SECONDS) {
    throw new RangeError(`expiresInSeconds must be an integer in 1…${MAX_PRESIGN_SECONDS} (got ${seconds})`);
  }
}

/**
 * Evaluate RFC 7232 preconditions against the current ETag of a key (`null` = absent).
 * Returns a reason string when the condition is false, `null` when the write may proceed.
 */
export function preconditionFailure(current: string | null, opts: { ifMatch?: string; ifNoneMatch?: '*' } | undefined): string | null {
  if (!opts) return null;
  if (opts.ifNoneMatch === '*' && current !== null) return `ifNoneMatch '*' but the key exists (etag ${current})`;
  if (opts.ifMatch !== undefined) {
    if (current === null) return `ifMatch ${opts.ifMatch} but the key does not exist`;
    if (normalizeEtag(opts.ifMatch) !== current) return `ifMatch ${opts.ifMatch} but the current etag is ${current}`;
  }
  return null;
}

/** The `'TOO_LARGE'` error for a body over `maxBytes` (the limit is in the message). */
export function tooLarge(key: string, maxBytes: number): StoreError {
  return new StoreError('TOO_LARGE', `body for ${JSON.stringify(key)} exceeds maxBytes = ${maxBytes} bytes; nothing was stored`, {
    key,
  });
}

/**
 * Iterate a `PutBody` as byte chunks. Strings (a Readable with an encoding set) are rejected.
 * @throws TypeError for a chunk that is not a Uint8Array.
 */
export async function* bodyChunks(body: PutBody): AsyncGenerator<Uint8Array> {
  if (body instanceof Uint8Array) {
    yield body;
    return;
  }
  for await (const chunk of body as AsyncIterable<unknown>) {
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError(`body chunks must be Uint8Array (got ${typeof chunk}); do not set an encoding on the stream`);
    }
    yield chunk;
  }
}
