/**
 * Makes s3rver's object PUTs atomic, as S3's are. s3rver 3.7 writes an object in place with a write stream and
 * answers before the stream has flushed (`lib/stores/filesystem.js` `putObject`), so a GET racing a PUT of the
 * same key — a job document read while the worker updates it — can read a truncated body, which real S3 never
 * returns. The patched `putObject` writes the body to a temporary file beside the store's root folder (same
 * filesystem, outside every bucket listing) and renames it into place. Idempotent; affects this process only.
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
    await this.putMetadata(object.bucket, object.key, object.metadata, md5);
    await rename(tmp, target);
    return { size: content.length, md5 };
  };
}
