/**
 * `AppDeps` from the environment (Lambda, containers):
 * - `MEDSLIM_STORE` (required): `s3://bucket/prefix?region=…` or `fs:<dir>`;
 * - `MEDSLIM_MAX_UPLOAD_BYTES` (optional): upload limit in bytes.
 * Downloads redirect to presigned URLs (Lambda responses are limited to 6 MB). Jobs wait in the
 * queue for workers (the AWS Batch runner is wired by the deploy code).
 */
import { createBlobStore, parseStoreUrl } from '@medslim/registry';
import type { AppDeps } from './app.ts';

/** @throws Error naming the variable when MEDSLIM_STORE is missing or the upload limit is not a positive integer. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AppDeps {
  const url = env.MEDSLIM_STORE;
  if (!url) throw new Error('MEDSLIM_STORE is not set (e.g. s3://my-bucket/medslim or fs:/var/lib/medslim/store)');
  const max = env.MEDSLIM_MAX_UPLOAD_BYTES;
  if (max !== undefined && !(Number.isSafeInteger(Number(max)) && Number(max) > 0)) {
    throw new Error(`MEDSLIM_MAX_UPLOAD_BYTES must be a positive integer number of bytes (got '${max}')`);
  }
  return {
    store: createBlobStore(parseStoreUrl(url)),
    ...(max !== undefined ? { maxUploadBytes: Number(max) } : {}),
    redirectDownloads: true,
  };
}
