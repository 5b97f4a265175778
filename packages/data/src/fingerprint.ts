/** Content fingerprints for datasets and other artifacts. */
import { createHash } from 'node:crypto';

/**
 * SHA-256 of the given bytes as 64 lowercase hex characters — identical to
 * `sha256sum FILE` when `bytes` is the whole file. Used as the dataset
 * fingerprint in reports, so a result can be traced to the exact file.
 */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
