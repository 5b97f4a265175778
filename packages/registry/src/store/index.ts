/**
 * Blob storage for the registry: one `BlobStore` interface, a local-disk implementation
 * (`FsBlobStore`, the embedded default) and an S3 one (`S3BlobStore`), plus the
 * shared test suite both must pass (`testing/blob-store-suite.ts`, not exported).
 */
import type { BlobStore } from './blob-store.ts';
import { FsBlobStore } from './fs-store.ts';
import { S3BlobStore } from './s3-store.ts';

export type { BlobStore, HeadResult, ListEntry, PutBody, PutOptions, PutResult, StoreErrorCode } from './blob-store.ts';
export { MAX_KEY_BYTES, normalizeEtag, StoreError, validateKey, validatePrefix } from './blob-store.ts';
export type { FsBlobStoreOptions } from './fs-store.ts';
export { FsBlobStore } from './fs-store.ts';
export type { S3BlobStoreOptions } from './s3-store.ts';
export { S3_DEFAULT_PART_SIZE, S3BlobStore } from './s3-store.ts';

/** Where blobs live: a local directory, or an S3 bucket (optionally under a key prefix). */
export type BlobStoreConfig =
  | { kind: 'fs'; dir: string }
  | {
      kind: 's3';
      bucket: string;
      prefix?: string;
      region?: string;
      /** Custom endpoint (MinIO, s3rver, …); path-style addressing is then used unless `forcePathStyle: false`. */
      endpoint?: string;
      forcePathStyle?: boolean;
    };

/**
 * Build the `BlobStore` a config describes.
 *
 * @example
 *   createBlobStore({ kind: 'fs', dir: '/var/lib/medslim/blobs' })
 *   createBlobStore({ kind: 's3', bucket: 'medslim', prefix: 'prod/', region: 'eu-west-1' })
 * @throws TypeError for an unknown `kind` or a missing `dir` / `bucket`.
 */
export function createBlobStore(config: BlobStoreConfig): BlobStore {
  switch (config?.kind) {
    case 'fs':
      return new FsBlobStore(config.dir);
    case 's3':
      return new S3BlobStore({
        bucket: config.bucket,
        prefix: config.prefix,
        region: config.region,
        endpoint: config.endpoint,
        forcePathStyle: config.forcePathStyle ?? (config.endpoint !== undefined ? true : undefined),
      });
    default:
      throw new TypeError(`unknown blob store kind ${JSON.stringify((config as { kind?: unknown } | undefined)?.kind)} (expected 'fs' or 's3')`);
  }
}
