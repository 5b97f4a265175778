/**
 * Where every registry document lives in the BlobStore — the one place key strings are built.
 * All state is small JSON documents plus artifact bytes, so the registry behaves the same on the
 * filesystem store and on S3 (no database).
 *
 *   keys/{sha256 of key}.json                          API key record (the key itself is never stored)
 *   system/admin-key.json                              marks that the first admin key was created
 *   tenants/{t}/uploads/{id}/blob                      uploaded bytes
 *   tenants/{t}/uploads/{id}/upload.json               upload record (written last: makes it visible)
 *   tenants/{t}/models/{m}/model.json                  model record
 *   tenants/{t}/models/{m}/versions/{v}/reserved.json  version number taken (conditional create)
 *   tenants/{t}/models/{m}/versions/{v}/artifacts/{f}  artifact bytes
 *   tenants/{t}/models/{m}/versions/{v}/manifest.json  version manifest (written last: makes it visible)
 *   tenants/{t}/models/{m}/aliases/{a}.json            alias document (its store ETag is the HTTP ETag)
 *   tenants/{t}/models/{m}/audit/{entry id}.json       one audit entry per alias change (append-only)
 *   tenants/{t}/key-audit/{entry id}.json              one entry per key event (create, revoke, rotate; append-only)
 *   tenants/{t}/jobs/{id}                              marker: lists a tenant's jobs
 *   jobs/{id}/job.json                                 job document
 *   jobs/{id}/log.txt                                  job log (capped)
 *   queue/queued/{id}, queue/running/{id}              markers: what workers poll and recover
 */

const tenantRoot = (t: string) => `tenants/${t}`;
const modelRoot = (t: string, m: string) => `${tenantRoot(t)}/models/${m}`;

export const layout = {
  apiKey: (hash: string) => `keys/${hash}.json`,
  apiKeysPrefix: () => 'keys/',
  keyAuditPrefix: (t: string) => `${tenantRoot(t)}/key-audit/`,
  keyAuditEntry: (t: string, id: string) => `${tenantRoot(t)}/key-audit/${id}.json`,
  adminMarker: () => 'system/admin-key.json',

  uploadsPrefix: (t: string) => `${tenantRoot(t)}/uploads/`,
  uploadBlob: (t: string, id: string) => `${tenantRoot(t)}/uploads/${id}/blob`,
  uploadDoc: (t: string, id: string) => `${tenantRoot(t)}/uploads/${id}/upload.json`,

  modelsPrefix: (t: string) => `${tenantRoot(t)}/models/`,
  modelDoc: (t: string, m: string) => `${modelRoot(t, m)}/model.json`,
  versionsPrefix: (t: string, m: string) => `${modelRoot(t, m)}/versions/`,
  versionReserved: (t: string, m: string, v: number) => `${modelRoot(t, m)}/versions/${v}/reserved.json`,
  versionManifest: (t: string, m: string, v: number) => `${modelRoot(t, m)}/versions/${v}/manifest.json`,
  artifact: (t: string, m: string, v: number, file: string) => `${modelRoot(t, m)}/versions/${v}/artifacts/${file}`,
  aliasesPrefix: (t: string, m: string) => `${modelRoot(t, m)}/aliases/`,
  aliasDoc: (t: string, m: string, a: string) => `${modelRoot(t, m)}/aliases/${a}.json`,
  auditPrefix: (t: string, m: string) => `${modelRoot(t, m)}/audit/`,
  auditEntry: (t: string, m: string, id: string) => `${modelRoot(t, m)}/audit/${id}.json`,

  tenantJobsPrefix: (t: string) => `${tenantRoot(t)}/jobs/`,
  tenantJob: (t: string, id: string) => `${tenantRoot(t)}/jobs/${id}`,
  jobDoc: (id: string) => `jobs/${id}/job.json`,
  jobLog: (id: string) => `jobs/${id}/log.txt`,
  queuedPrefix: () => 'queue/queued/',
  queued: (id: string) => `queue/queued/${id}`,
  runningPrefix: () => 'queue/running/',
  running: (id: string) => `queue/running/${id}`,
};

/** Parse `.../versions/{v}/manifest.json` (or `reserved.json`) keys: the version number, or null. */
export function versionOfKey(key: string, file: 'manifest.json' | 'reserved.json'): number | null {
  const m = /\/versions\/([1-9][0-9]*)\/([a-z.]+)$/.exec(key);
  return m && m[2] === file ? Number(m[1]) : null;
}
