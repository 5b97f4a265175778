/** Describe a BlobStore with one string (for environment variables and command-line flags). */
import type { BlobStoreConfig } from './store/index.ts';

/**
 * Parse a store URL:
 * - `fs:/var/lib/medslim/store` or a plain path → the filesystem store in that directory;
 * - `s3://bucket/optional/prefix?region=eu-west-1&endpoint=http://127.0.0.1:9000` → the S3 store.
 *
 * @throws TypeError for an empty string or an `s3://` URL without a bucket.
 */
export function parseStoreUrl(url: string): BlobStoreConfig {
  if (typeof url !== 'string' || url.trim() === '') throw new TypeError('store URL is empty (use fs:<dir> or s3://bucket/prefix)');
  if (url.startsWith('s3://')) {
    const u = new URL(url);
    if (!u.hostname) throw new TypeError(`store URL ${url} has no bucket (use s3://bucket/prefix)`);
    const prefix = decodeURIComponent(u.pathname.replace(/^\/+/, ''));
    return {
      kind: 's3',
      bucket: u.hostname,
      ...(prefix ? { prefix } : {}),
      ...(u.searchParams.get('region') ? { region: u.searchParams.get('region')! } : {}),
      ...(u.searchParams.get('endpoint') ? { endpoint: u.searchParams.get('endpoint')! } : {}),
    };
  }
  return { kind: 'fs', dir: url.startsWith('fs:') ? url.slice(3) : url };
}
