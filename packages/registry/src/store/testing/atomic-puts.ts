/**
 * Makes s3rver's object PUTs atomic, as S3's are. s3rver 3.7 writes an object in place with a write stream and
 * answers before the stream has flushed (`lib/stores/filesystem.js` `putObject`), so a GET racing a PUT of the
 * same key — a job document read while the worker updates it — can read a truncated body, which real S3 never
 * returns. The patched `putObject` writes the body to a temporary file beside the store's root folder (same
 * filesystem, outside every bucket listing) and renames it into place, writing the ETag's metadata file and renaming
 * the body as one step per key, so concurrent PUTs of one key leave one writer's body with that writer's ETag.
 * Idempotent; affects this process only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';

interface StoredObject { bucket: string; key: string; metadata: Record<string, string>; content: Buffer | Readable }
interface FilesystemStore {
  rootDirectory: string;
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
}

const PATCHED = Symbol.for('medslim.s3rverAtomicPuts');
/** Per object file: the tail of its chain of metadata-write + rename steps (entries removed once idle). */
const keyLocks = new Map<string, Promise<void>>();

export function makeS3rverPutsAtomic(): void {
  const Store = createRequire(import.meta.url)('s3rver/lib/stores/filesystem.js') as { prototype: FilesystemStore & { [PATCHED]?: true } };
  if (Store.prototype[PATCHED]) return;
  Store.prototype[PATCHED] = true;
  Store.prototype.putObject = async function putObject(this: FilesystemStore, object: StoredObject) {
    let content: Buffer;
    if (Buffer.isBuffer(object.content)) content = object.content;
    else {
      const chunks: Buffer[] = [];
      for await (const chunk of object.content) chunks.push(Buffer.from(chunk as Uint8Array));
      content = Buffer.concat(chunks);
    }
    const md5 = createHash('md5').update(content).digest('hex');
    const target = this.getResourcePath(object.bucket, object.key, 'object');
    const tmpDir = `${this.rootDirectory.replace(/[\\/]+$/, '')}.tmp`;
    const tmp = `${tmpDir}/${randomBytes(8).toString('hex')}`;
    await mkdir(tmpDir, { recursive: true });
    await mkdir(dirname(target), { recursive: true });
    await writeFile(tmp, content);
    // The metadata file (which holds the ETag) and the body are two files: without a lock, two PUTs of one key
    // interleave (A's metadata, B's metadata, B's rename, A's rename) and leave A's body under B's ETag — what S3
    // never does. Each key's metadata write and rename run as one step, in arrival order.
    const previous = keyLocks.get(target) ?? Promise.resolve();
    const step = previous.then(async () => {
      await this.putMetadata(object.bucket, object.key, object.metadata, md5);
      await rename(tmp, target);
    });
    const settled = step.catch(() => {});
    keyLocks.set(target, settled);
    try {
      await step;
    } finally {
      if (keyLocks.get(target) === settled) keyLocks.delete(target); // bounded: only keys with a PUT in flight
    }
    return { size: content.length, md5 };
  };
}
