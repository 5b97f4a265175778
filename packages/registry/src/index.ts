/** @medslim/registry — blob storage (filesystem and S3), model registry and jobs. */
/** The BlobStore seam: one interface, a filesystem and an S3 implementation. */
export * from './store/index.ts';
/** A store from one string: `fs:<dir>` or `s3://bucket/prefix?region=…&endpoint=…`. */
export { parseStoreUrl } from './store-url.ts';
/** The registry on one store: keys, uploads, models, versions, aliases, audit, jobs. */
export { Registry, type RegistryOptions } from './registry.ts';
/** Errors: one class, stable codes, each with its HTTP status. */
export { RegistryError, REGISTRY_ERROR_STATUS, type RegistryErrorCode } from './errors.ts';
/** Callers: roles and the principal an API key stands for. */
export { ROLES, roleAtLeast, type Role, type Actor, type Principal } from './principal.ts';
/** Names and ids. */
export { NAME_PATTERN, TENANT_PATTERN, FILE_PATTERN, checkName, checkTenant, isId } from './names.ts';
/** API keys (stored as SHA-256 only). */
export {
  ApiKeys,
  generateApiKey,
  MIN_KEY_LENGTH,
  MAX_KEY_LENGTH,
  DEFAULT_TENANT,
  KEY_CACHE_TTL_MS,
  KEY_NEGATIVE_TTL_MS,
  LAST_USED_RESOLUTION_MS,
  MAX_ROTATION_GRACE_SECONDS,
  type ApiKeyRecord,
  type ApiKeyInfo,
  type ApiKeysOptions,
  type KeyEvent,
} from './keys.ts';
/** Limits on client input: JSON depth, error message length. */
export { MAX_JSON_DEPTH, MAX_ERROR_MESSAGE, jsonTooDeep, clipMessage } from './limits.ts';
/** A bounded LRU with time-to-live (every cache keyed by client input uses it). */
export { TtlCache, type TtlCacheOptions } from './ttl-cache.ts';
/** Uploads of teachers and datasets. */
export { Uploads, DEFAULT_MAX_UPLOAD_BYTES, type UploadRecord } from './uploads.ts';
/** Models. */
export { Models, type ModelRecord } from './models.ts';
/** Immutable versions: artifacts with checksums, lineage, metrics, gate. */
export { Versions, type VersionManifest, type ArtifactRecord, type ArtifactSource, type Lineage, type InputRef, type GateResult } from './versions.ts';
/** Aliases with canary weights, conditional updates and rollback. */
export { Aliases, validateTargets, MAX_ALIAS_TARGETS, type AliasDoc, type AliasState } from './aliases.ts';
/** The audit trail of alias changes. */
export { Audit, type AuditEntry, type AliasTarget } from './audit.ts';
/** Jobs: the store, the documents and the runner seam. */
export { JobStore, type JobStoreOptions, type JobOutcome } from './jobs/job-store.ts';
export { isTerminal, type JobDoc, type JobSpec, type JobStatus, type JobProgressState, type JobFailure, type JobLease } from './jobs/types.ts';
export { pollingOnlyRunner, type JobRunner } from './jobs/runner.ts';
/** Where documents live in the store (for tools and tests). */
export { layout } from './layout.ts';
