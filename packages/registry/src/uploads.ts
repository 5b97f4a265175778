/**
 * Uploads: teacher models and datasets a tenant sends before submitting a job. The bytes go to
 * `tenants/{t}/uploads/{id}/blob` (streamed, size-limited, hashed on the way); the record
 * `upload.json` is written last, so an upload exists only once its bytes and checksum are stored.
 */
import { createHash } from 'node:crypto';
import type { BlobStore, PutBody } from './store/index.ts';
import { StoreError } from './store/index.ts';
import { RegistryError } from './errors.ts';
import { readDoc, writeDoc } from './json.ts';
import { layout } from './layout.ts';
import { isId, newId } from './names.ts';
import type { Actor, Upload as UploadRecord } from '@medslim/contracts';

export type { Upload as UploadRecord } from '@medslim/contracts';

/** Default largest upload in bytes (512 MiB). */
export const DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024;


/** Upload bytes into a tenant's space and look them up again. */
export class Uploads {
  constructor(
    private readonly store: BlobStore,
    /** Largest upload in bytes. */
    readonly maxBytes: number = DEFAULT_MAX_UPLOAD_BYTES,
  ) {}

  /**
   * Stream `body` into a new upload.
   * @throws RegistryError 'TOO_LARGE' when the body exceeds `maxBytes` (nothing is kept); StoreError 'IO'.
   */
  async put(tenant: string, body: PutBody, meta: { filename?: string | null; contentType?: string | null; createdBy: Actor }): Promise<UploadRecord> {
    const id = newId('up');
    let stored;
    try {
      stored = await this.store.put(layout.uploadBlob(tenant, id), body, { maxBytes: this.maxBytes, ifNoneMatch: '*', contentType: 'application/octet-stream' });
    } catch (e) {
      if (StoreError.is(e, 'TOO_LARGE')) throw tooLarge(this.maxBytes);
      throw e;
    }
    const record: UploadRecord = {
      id,
      status: 'ready',
      filename: cleanFilename(meta.filename),
      contentType: meta.contentType ?? null,
      sha256: stored.sha256,
      bytes: stored.bytes,
      createdAt: new Date().toISOString(),
      createdBy: meta.createdBy,
    };
    await writeDoc(this.store, layout.uploadDoc(tenant, id), record, { ifNoneMatch: '*' });
    return record;
  }

  /**
   * Start an upload that the client sends straight to the store with an HTTP PUT (large files, Lambda).
   * @returns the pending record and the URL, or `null` when the store has no URLs (the filesystem store).
   */
  async presign(tenant: string, meta: { filename?: string | null; createdBy: Actor; expiresInSeconds: number }): Promise<{ record: UploadRecord; url: string } | null> {
    const id = newId('up');
    const url = await this.store.presignPut(layout.uploadBlob(tenant, id), { expiresInSeconds: meta.expiresInSeconds });
    if (url === null) return null;
    const record: UploadRecord = {
      id,
      status: 'pending',
      filename: cleanFilename(meta.filename),
      contentType: null,
      sha256: null,
      bytes: null,
      createdAt: new Date().toISOString(),
      createdBy: meta.createdBy,
    };
    await writeDoc(this.store, layout.uploadDoc(tenant, id), record, { ifNoneMatch: '*' });
    return { record, url };
  }

  /**
   * Finish a presigned upload: hash the bytes the client PUT and mark the upload ready.
   * Idempotent for an upload that is already ready.
   * @throws RegistryError 'NOT_FOUND' (no such upload), 'CONFLICT' (the bytes have not arrived yet),
   *   'TOO_LARGE' (over `maxBytes`: the bytes are deleted).
   */
  async complete(tenant: string, id: string): Promise<UploadRecord> {
    const doc = await this.getDoc(tenant, id);
    if (doc.value.status === 'ready') return doc.value;
    const head = await this.store.head(layout.uploadBlob(tenant, id));
    if (!head) throw new RegistryError('CONFLICT', `upload ${id} has no bytes yet: PUT the file to the presigned URL first, then complete it`);
    if (head.bytes > this.maxBytes) {
      await this.store.delete(layout.uploadBlob(tenant, id));
      throw tooLarge(this.maxBytes);
    }
    const { stream } = await this.store.getStream(layout.uploadBlob(tenant, id));
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of stream) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).byteLength;
    }
    const record: UploadRecord = { ...doc.value, status: 'ready', sha256: hash.digest('hex'), bytes };
    await writeDoc(this.store, layout.uploadDoc(tenant, id), record, { ifMatch: doc.etag });
    return record;
  }

  /** One upload of `tenant`. @throws RegistryError 'NOT_FOUND' (also for another tenant's id or a malformed id). */
  async get(tenant: string, id: string): Promise<UploadRecord> {
    return (await this.getDoc(tenant, id)).value;
  }

  /** A ready upload (for jobs). @throws RegistryError 'NOT_FOUND', 'CONFLICT' while it is still pending. */
  async getReady(tenant: string, id: string, what = 'upload'): Promise<UploadRecord> {
    const r = await this.get(tenant, id).catch((e: unknown) => {
      if (RegistryError.is(e, 'NOT_FOUND')) throw new RegistryError('NOT_FOUND', `${what} ${JSON.stringify(id)} is not an upload of this tenant; POST /v1/uploads first`);
      throw e;
    });
    if (r.status !== 'ready') throw new RegistryError('CONFLICT', `${what} ${id} is still pending: complete the presigned upload first`);
    return r;
  }

  /** All uploads of `tenant`, newest first. */
  async list(tenant: string): Promise<UploadRecord[]> {
    const out: UploadRecord[] = [];
    for await (const e of this.store.list(layout.uploadsPrefix(tenant))) {
      if (!e.key.endsWith('/upload.json')) continue;
      const doc = await readDoc<UploadRecord>(this.store, e.key);
      if (doc) out.push(doc.value);
    }
    return out.sort((a, b) => (a.id < b.id ? 1 : -1));
  }

  /** Store key of an upload's bytes (for workers, which stream them to disk). */
  blobKey(tenant: string, id: string): string {
    return layout.uploadBlob(tenant, id);
  }

  private async getDoc(tenant: string, id: string) {
    const doc = isId('up', id) ? await readDoc<UploadRecord>(this.store, layout.uploadDoc(tenant, id)) : null;
    if (!doc) throw new RegistryError('NOT_FOUND', `upload ${JSON.stringify(id)} not found`);
    return doc;
  }
}

function tooLarge(maxBytes: number): RegistryError {
  return new RegistryError('TOO_LARGE', `upload exceeds the limit of ${maxBytes} bytes (${(maxBytes / 2 ** 20).toFixed(0)} MiB); nothing was stored`);
}

function cleanFilename(name: string | null | undefined): string | null {
  if (!name) return null;
  // Keep the base name only, printable, at most 200 characters.
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 200);
  return clean === '' ? null : clean;
}
