/**
 * `FsBlobStore`: the embedded default `BlobStore`, a directory on local disk.
 *
 * Layout under the root, for key `models/resnet18.onnx`:
 *
 *   models/resnet18.onnx#blob   the bytes, exactly as stored
 *   models/resnet18.onnx#meta   JSON sidecar: sha256, size and the data file's fingerprint
 *   models/resnet18.onnx#lock   exists only while a writer holds the key's lock
 *   models/resnet18.onnx#tmp-…  a write in progress (renamed over #blob when complete)
 *
 * Each key segment is percent-encoded (encodeURIComponent plus !'()*), so a directory name never
 * contains '#' and the key `a` (file `a#blob`) can coexist with `a/b` (directory `a`).
 *
 * Writes stream into a temp file in the key's directory, fsync it, then `rename` it over the key:
 * a crash never leaves a half-written file under a key. The compare-and-swap of a conditional write
 * (RFC 7232 If-Match / If-None-Match) runs under a per-key lock that holds across processes
 * (see file-lock.ts), so concurrent writers in the API server and the worker cannot lose updates.
 *
 * ETag = lower-case hex SHA-256 of the content (a strong validator: equal bytes ⇒ equal ETag, as
 * S3's MD5 ETags). The sidecar records the data file's inode, size and mtime; when they do not match
 * (a crash between the two renames, or a file replaced by hand) the content is re-hashed.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobStore, HeadResult, ListEntry, PutBody, PutOptions, PutResult } from './blob-store.ts';
import { bodyChunks, checkExpires, checkPutOptions, preconditionFailure, StoreError, tooLarge, validateKey, validatePrefix } from './blob-store.ts';
import { DEFAULT_LOCK_STALE_MS, withFileLock } from './file-lock.ts';

/** Tuning of `FsBlobStore`. */
export interface FsBlobStoreOptions {
  /** A key lock not refreshed for this many milliseconds belongs to a dead process and is broken. Default 30 000. */
  lockStaleMs?: number;
  /** Give up waiting for a key lock after this many milliseconds (StoreError 'IO'). Default `2 × lockStaleMs + 5000`. */
  lockTimeoutMs?: number;
  /** fsync data before the rename and the directory after it (durable across power loss). Default true. */
  fsync?: boolean;
}

/** Longest encoded key segment, in bytes, so that segment + suffix fits a 255-byte file name. */
export const FS_MAX_SEGMENT_BYTES = 200;

const BLOB = '#blob';
const META = '#meta';
const LOCK = '#lock';

interface KeyPaths {
  key: string;
  dir: string;
  base: string;
  data: string;
  meta: string;
  lock: string;
}

interface Meta {
  v: 1;
  sha256: string;
  bytes: number;
  /** `ino:size:mtimeNs` of the data file this sidecar describes. */
  fp: string;
  contentType?: string;
}

interface State {
  sha256: string;
  bytes: number;
}

function encodeSegment(seg: string): string {
  return encodeURIComponent(seg).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function decodeSegment(name: string): string | null {
  if (name.includes('#')) return null;
  let seg: string;
  try {
    seg = decodeURIComponent(name);
  } catch {
    return null;
  }
  if (seg === '' || seg === '.' || seg === '..' || seg.includes('/') || encodeSegment(seg) !== name) return null;
  return seg;
}

function fingerprint(st: BigIntStats): string {
  return `${st.ino}:${st.size}:${st.mtimeNs}`;
}

function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function readMeta(file: string): Promise<Meta | null> {
  try {
    const m = JSON.parse(await readFile(file, 'utf8')) as Meta;
    return m && m.v === 1 && typeof m.sha256 === 'string' && typeof m.fp === 'string' ? m : null;
  } catch {
    return null; // missing or torn: treated as "unknown", the content is re-hashed
  }
}

async function hashHandle(fh: FileHandle): Promise<string> {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  for (let pos = 0; ; ) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) break;
    hash.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return hash.digest('hex');
}

async function openIfExists(file: string): Promise<FileHandle | null> {
  try {
    return await open(file, 'r');
  } catch (e) {
    if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return null;
    throw e;
  }
}

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let off = 0; off < chunk.byteLength; ) {
    const { bytesWritten } = await fh.write(chunk, off, chunk.byteLength - off);
    off += bytesWritten;
  }
}

/**
 * A `BlobStore` in a local directory (created on first write). Safe for concurrent use by many
 * async tasks and by several processes on the same machine; presigned URLs are not available
 * (`presignPut` / `presignGet` resolve to `null`).
 *
 * @example
 *   const store = new FsBlobStore('/var/lib/medslim/blobs');
 *   const { etag } = await store.put('models/a.onnx', bytes, { ifNoneMatch: '*' });
 */
export class FsBlobStore implements BlobStore {
  /** Absolute path of the root directory. */
  readonly root: string;
  private readonly lockOpts: { staleMs: number; timeoutMs?: number };
  private readonly fsync: boolean;

  /** @param rootDir directory holding the blobs (resolved to an absolute path; created on first write). */
  constructor(rootDir: string, opts: FsBlobStoreOptions = {}) {
    if (typeof rootDir !== 'string' || rootDir === '') throw new TypeError('FsBlobStore needs a root directory');
    this.root = path.resolve(rootDir);
    this.lockOpts = { staleMs: opts.lockStaleMs ?? DEFAULT_LOCK_STALE_MS, timeoutMs: opts.lockTimeoutMs };
    this.fsync = opts.fsync ?? true;
  }

  /** `fs:<absolute root>`. */
  describe(): string {
    return `fs:${this.root}`;
  }

  private paths(key: string): KeyPaths {
    validateKey(key);
    const segs = key.split('/').map(encodeSegment);
    for (const s of segs) {
      if (Buffer.byteLength(s) > FS_MAX_SEGMENT_BYTES) {
        throw new StoreError(
          'BAD_KEY',
          `invalid key ${JSON.stringify(key.slice(0, 80))}: a segment encodes to more than ${FS_MAX_SEGMENT_BYTES} bytes, too long for a file name`,
          { key },
        );
      }
    }
    const dir = path.join(this.root, ...segs.slice(0, -1));
    const base = path.join(dir, segs[segs.length - 1]);
    return { key, dir, base, data: base + BLOB, meta: base + META, lock: base + LOCK };
  }

  private io(op: string, key: string, e: unknown): unknown {
    if (e instanceof StoreError || e instanceof TypeError || e instanceof RangeError) return e;
    return new StoreError('IO', `${op} ${JSON.stringify(key)} in ${this.describe()}: ${e instanceof Error ? e.message : String(e)}`, {
      key,
      cause: e,
    });
  }

  /**
   * Current state of a key without taking its lock, or `null` when absent. With `fh` (an open
   * handle on the data file) the answer describes exactly the bytes behind `fh`.
   * With `locked` the caller holds the key lock, so a mismatch is repaired at once.
   */
  private async stateOf(p: KeyPaths, fh?: FileHandle, locked = false): Promise<State | null> {
    for (let attempt = 0; ; attempt++) {
      let st: BigIntStats;
      try {
        st = fh ? await fh.stat({ bigint: true }) : await stat(p.data, { bigint: true });
      } catch (e) {
        if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return null;
        throw e;
      }
      const meta = await readMeta(p.meta);
      const fp = fingerprint(st);
      if (meta && meta.fp === fp) return { sha256: meta.sha256, bytes: Number(st.size) };
      // A writer may be between its two renames (data, then sidecar): give it a moment.
      if (!locked && attempt < 3) {
        await sleep(2 + attempt * 5);
        continue;
      }
      // No sidecar for these bytes (crash leftovers, or edited by hand): hash the content itself.
      const own = fh ?? (await openIfExists(p.data));
      if (!own) return null;
      try {
        const st2 = await own.stat({ bigint: true });
        const sha256 = await hashHandle(own);
        const repaired: Meta = { v: 1, sha256, bytes: Number(st2.size), fp: fingerprint(st2), contentType: meta?.contentType };
        if (locked) await this.writeMetaIfCurrent(p, repaired);
        // Best effort, without making a reader wait on a busy writer: the next reader would re-hash.
        else
          await withFileLock(p.lock, { ...this.lockOpts, timeoutMs: 250 }, () => this.writeMetaIfCurrent(p, repaired)).catch(() => {});
        return { sha256, bytes: Number(st2.size) };
      } finally {
        if (!fh) await own.close();
      }
    }
  }

  /** Rewrite the sidecar if the data file is still the one `meta.fp` describes (caller holds the lock). */
  private async writeMetaIfCurrent(p: KeyPaths, meta: Meta): Promise<void> {
    try {
      if (fingerprint(await stat(p.data, { bigint: true })) !== meta.fp) return;
    } catch {
      return;
    }
    const tmp = `${p.base}#mtmp-${randomBytes(8).toString('hex')}`;
    try {
      await this.writeSmall(tmp, JSON.stringify(meta));
      await rename(tmp, p.meta);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  private async writeSmall(file: string, text: string): Promise<void> {
    const fh = await open(file, 'wx');
    try {
      await fh.writeFile(text);
      if (this.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
  }

  private async syncDir(dir: string): Promise<void> {
    if (!this.fsync) return;
    try {
      const fh = await open(dir, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch {
      // Some platforms cannot fsync a directory; the rename itself is still atomic.
    }
  }

  /** Stream `body` into the new file `tmp`, hashing and counting; enforce `maxBytes`. */
  private async writeTemp(p: KeyPaths, tmp: string, body: PutBody, maxBytes: number | undefined) {
    let fh: FileHandle | undefined;
    for (let attempt = 0; !fh; attempt++) {
      try {
        fh = await open(tmp, 'wx');
      } catch (e) {
        // The directory may not exist yet, or a concurrent delete may have just pruned it.
        if (errCode(e) !== 'ENOENT' || attempt >= 5) throw e;
        await mkdir(p.dir, { recursive: true });
      }
    }
    try {
      const hash = createHash('sha256');
      let bytes = 0;
      for await (const chunk of bodyChunks(body)) {
        bytes += chunk.byteLength;
        if (maxBytes !== undefined && bytes > maxBytes) throw tooLarge(p.key, maxBytes);
        hash.update(chunk);
        await writeAll(fh, chunk);
      }
      if (this.fsync) await fh.sync();
      const st = await fh.stat({ bigint: true });
      return { sha256: hash.digest('hex'), bytes, fp: fingerprint(st) };
    } finally {
      await fh.close();
    }
  }

  /**
   * Store `body` under `key` (streamed to a temp file, then renamed into place).
   * Conditional writes (RFC 7232 If-Match / If-None-Match) are evaluated and applied atomically
   * under the key's cross-process lock.
   *
   * @throws StoreError 'BAD_KEY', 'TOO_LARGE' (over `maxBytes` bytes; nothing stored),
   *   'PRECONDITION_FAILED', 'IO'.
   */
  async put(key: string, body: PutBody, opts: PutOptions = {}): Promise<PutResult> {
    const p = this.paths(key);
    checkPutOptions(opts);
    const { maxBytes } = opts;
    if (body instanceof Uint8Array && maxBytes !== undefined && body.byteLength > maxBytes) throw tooLarge(key, maxBytes);
    const conditional = opts.ifMatch !== undefined || opts.ifNoneMatch !== undefined;
    const tag = randomBytes(8).toString('hex');
    const tmpData = `${p.base}#tmp-${tag}`;
    const tmpMeta = `${p.base}#mtmp-${tag}`;
    try {
      if (conditional) {
        // Cheap early answer before streaming a large body; decided for real under the lock below.
        const why = preconditionFailure((await this.stateOf(p))?.sha256 ?? null, opts);
        if (why) throw new StoreError('PRECONDITION_FAILED', `put ${JSON.stringify(key)}: ${why}`, { key });
      }
      const written = await this.writeTemp(p, tmpData, body, maxBytes);
      const meta: Meta = { v: 1, sha256: written.sha256, bytes: written.bytes, fp: written.fp, contentType: opts.contentType };
      await this.writeSmall(tmpMeta, JSON.stringify(meta));
      await withFileLock(p.lock, this.lockOpts, async () => {
        if (conditional) {
          const why = preconditionFailure((await this.stateOf(p, undefined, true))?.sha256 ?? null, opts);
          if (why) throw new StoreError('PRECONDITION_FAILED', `put ${JSON.stringify(key)}: ${why}`, { key });
        }
        await rename(tmpData, p.data);
        await rename(tmpMeta, p.meta);
      });
      await this.syncDir(p.dir);
      return { etag: written.sha256, sha256: written.sha256, bytes: written.bytes };
    } catch (e) {
      throw this.io('put', key, e);
    } finally {
      await Promise.all([rm(tmpData, { force: true }), rm(tmpMeta, { force: true })]).catch(() => {});
    }
  }

  /**
   * Read the whole object into memory.
   * @throws StoreError 'NOT_FOUND', 'BAD_KEY', 'IO'.
   */
  async get(key: string): Promise<{ body: Uint8Array; etag: string }> {
    const p = this.paths(key);
    try {
      const fh = await openIfExists(p.data);
      if (!fh) throw new StoreError('NOT_FOUND', `no such key ${JSON.stringify(key)} in ${this.describe()}`, { key });
      try {
        const state = await this.stateOf(p, fh);
        const buf = await fh.readFile();
        return { body: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), etag: state!.sha256 };
      } finally {
        await fh.close();
      }
    } catch (e) {
      throw this.io('get', key, e);
    }
  }

  /**
   * Open the object for streaming; the returned stream owns the file handle (consume or destroy it).
   * The ETag and size describe exactly the bytes the stream yields, even if the key is replaced meanwhile.
   * @throws StoreError 'NOT_FOUND', 'BAD_KEY', 'IO'.
   */
  async getStream(key: string): Promise<{ stream: Readable; etag: string; bytes: number }> {
    const p = this.paths(key);
    try {
      const fh = await openIfExists(p.data);
      if (!fh) throw new StoreError('NOT_FOUND', `no such key ${JSON.stringify(key)} in ${this.describe()}`, { key });
      try {
        const state = (await this.stateOf(p, fh))!;
        return { stream: fh.createReadStream({ start: 0 }), etag: state.sha256, bytes: state.bytes };
      } catch (e) {
        await fh.close();
        throw e;
      }
    } catch (e) {
      throw this.io('getStream', key, e);
    }
  }

  /** ETag, size in bytes and SHA-256 of `key`, or `null` when absent. @throws StoreError 'BAD_KEY', 'IO'. */
  async head(key: string): Promise<HeadResult | null> {
    const p = this.paths(key);
    try {
      const state = await this.stateOf(p);
      return state && { etag: state.sha256, bytes: state.bytes, sha256: state.sha256 };
    } catch (e) {
      throw this.io('head', key, e);
    }
  }

  /**
   * Remove `key` (and prune directories left empty). A missing key is not an error unless
   * `ifMatch` is given (RFC 7232: the key must exist with that ETag).
   * @throws StoreError 'PRECONDITION_FAILED', 'BAD_KEY', 'IO'.
   */
  async delete(key: string, opts: { ifMatch?: string } = {}): Promise<void> {
    const p = this.paths(key);
    checkPutOptions({ ifMatch: opts.ifMatch });
    try {
      if (opts.ifMatch === undefined && !(await this.stateOf(p))) return;
      await withFileLock(p.lock, this.lockOpts, async () => {
        const current = await this.stateOf(p, undefined, true);
        const why = preconditionFailure(current?.sha256 ?? null, opts);
        if (why) throw new StoreError('PRECONDITION_FAILED', `delete ${JSON.stringify(key)}: ${why}`, { key });
        await rm(p.data, { force: true });
        await rm(p.meta, { force: true });
      });
      await this.syncDir(p.dir);
      for (let dir = p.dir; dir !== this.root && dir.startsWith(this.root + path.sep); dir = path.dirname(dir)) {
        try {
          await rmdir(dir);
        } catch {
          break; // not empty (or already gone): stop pruning
        }
      }
    } catch (e) {
      throw this.io('delete', key, e);
    }
  }

  /**
   * Keys starting with `prefix`, in ascending UTF-8 byte order, with size and ETag.
   * Temp, lock and sidecar files are never listed.
   * @throws StoreError 'BAD_KEY' for an impossible prefix, 'IO'.
   */
  async *list(prefix: string): AsyncGenerator<ListEntry> {
    validatePrefix(prefix);
    const cut = prefix.lastIndexOf('/') + 1;
    const dirSegs = prefix.slice(0, cut).split('/').slice(0, -1);
    for (const s of dirSegs) {
      if (Buffer.byteLength(encodeSegment(s)) > FS_MAX_SEGMENT_BYTES) return;
    }
    try {
      yield* this.walk(path.join(this.root, ...dirSegs.map(encodeSegment)), prefix.slice(0, cut), prefix.slice(cut));
    } catch (e) {
      throw this.io('list', prefix, e);
    }
  }

  private async *walk(dir: string, keyPrefix: string, partial: string): AsyncGenerator<ListEntry> {
    let dirents;
    try {
      dirents = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return;
      throw e;
    }
    const entries: { seg: string; sortKey: Buffer; isDir: boolean; name: string }[] = [];
    for (const d of dirents) {
      if (d.isDirectory()) {
        const seg = decodeSegment(d.name);
        if (seg !== null && seg.startsWith(partial)) entries.push({ seg, sortKey: Buffer.from(seg + '/'), isDir: true, name: d.name });
      } else if (d.isFile() && d.name.endsWith(BLOB)) {
        const seg = decodeSegment(d.name.slice(0, -BLOB.length));
        if (seg !== null && seg.startsWith(partial)) entries.push({ seg, sortKey: Buffer.from(seg), isDir: false, name: d.name });
      }
    }
    entries.sort((a, b) => Buffer.compare(a.sortKey, b.sortKey));
    for (const e of entries) {
      const key = keyPrefix + e.seg;
      if (e.isDir) {
        yield* this.walk(path.join(dir, e.name), key + '/', '');
      } else {
        const base = path.join(dir, e.name.slice(0, -BLOB.length));
        const p: KeyPaths = { key, dir, base, data: base + BLOB, meta: base + META, lock: base + LOCK };
        const state = await this.stateOf(p);
        if (state) yield { key, bytes: state.bytes, etag: state.sha256 };
      }
    }
  }

  /** Always `null`: a directory on disk has no URLs. Still validates its arguments. */
  async presignPut(key: string, opts: { expiresInSeconds: number; contentType?: string }): Promise<string | null> {
    validateKey(key);
    checkExpires(opts.expiresInSeconds);
    return null;
  }

  /** Always `null`: a directory on disk has no URLs. Still validates its arguments. */
  async presignGet(key: string, expiresInSeconds: number): Promise<string | null> {
    validateKey(key);
    checkExpires(expiresInSeconds);
    return null;
  }
}
