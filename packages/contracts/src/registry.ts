/** Registry documents (keys, uploads, models, versions, aliases, audit) and the API's requests about them. */
import { z } from 'zod';
import { ActorSchema, NameSchema, RoleSchema, TENANT_PATTERN } from './common.ts';
import { GateResultSchema, JobReportSchema, StageReportSchema } from './reports.ts';

// --- Keys

/** Longest rotation grace period, seconds (one day). */
export const MAX_ROTATION_GRACE_SECONDS = 86_400;

/** The stored record of one key (`keys/{sha256}.json`; fields after `createdBy` are absent from records written before key management). */
export const ApiKeyRecordSchema = z.object({
  tenant: z.string(),
  role: RoleSchema,
  name: z.string().nullable(),
  createdAt: z.string(),
  /** null for the first key (made by the server itself). */
  createdBy: ActorSchema.nullable(),
  /** When the key stops working by itself (ISO time), or null. */
  expiresAt: z.string().nullable().optional(),
  /** When the key was revoked, or null. */
  revokedAt: z.string().nullable().optional(),
  revokedBy: ActorSchema.nullable().optional(),
  /** The key that replaced this one in a rotation. */
  replacedBy: z.string().nullable().optional(),
  /** When a request last used the key, to within 5 minutes. */
  lastUsedAt: z.string().nullable().optional(),
});
export type ApiKeyRecord = z.infer<typeof ApiKeyRecordSchema>;

/** What a listing shows of a key: everything but the secret (which is never stored anyway). */
export const ApiKeyInfoSchema = z
  .object({
    keyId: z.string(),
    tenant: z.string(),
    role: RoleSchema,
    name: z.string().nullable(),
    createdAt: z.string(),
    createdBy: ActorSchema.nullable(),
    lastUsedAt: z.string().nullable().describe('Last request with this key, to within 5 minutes.'),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    revokedBy: ActorSchema.nullable(),
    replacedBy: z.string().nullable().describe('Id of the key that replaced this one in a rotation.'),
    /** `active`, `revoked`, or `expired` (past `expiresAt`). */
    status: z.enum(['active', 'revoked', 'expired']),
  })
  .meta({ id: 'ApiKeyInfo' });
export type ApiKeyInfo = z.infer<typeof ApiKeyInfoSchema>;

/** One event of the tenant's key audit trail (`key-audit/{id}.json`). */
export const KeyEventSchema = z
  .object({
    /** Sorts by time (15-digit epoch milliseconds, '-', 8 hex digits). */
    id: z.string(),
    at: z.string(),
    action: z.enum(['create', 'revoke', 'rotate']),
    /** The key the event is about (for `rotate`: the old key). */
    keyId: z.string(),
    tenant: z.string(),
    role: RoleSchema,
    name: z.string().nullable(),
    /** `rotate`: the new key's id. */
    replacedBy: z.string().nullable(),
    /** `create`/`rotate`: when the (old) key expires, if it does. */
    expiresAt: z.string().nullable(),
    /** Who did it (null: the server itself, e.g. the first key), with the caller's tenant. */
    who: ActorSchema.extend({ tenant: z.string() }).nullable(),
  })
  .meta({ id: 'KeyEvent' });
export type KeyEvent = z.infer<typeof KeyEventSchema>;

/** POST /v1/keys. */
export const CreateKeySchema = z
  .strictObject({
    tenant: z.string().regex(TENANT_PATTERN, "use 1–63 lower-case letters, digits or '-'").optional().describe("Tenant of the new key (default: the caller's tenant). Another tenant needs a 'platform' key."),
    role: RoleSchema.describe("reader, deployer, admin (manages the tenant's keys) or platform (the operator: every tenant; only a platform key may create one)."),
    name: z.string().min(1).max(100).optional().describe('A label, recorded in audit entries.'),
    /** Default: never expires; at most 10 years. */
    expiresInDays: z.number().int().min(1).max(3650).optional().describe('The key stops working after this many days (default: never).'),
  })
  .meta({ id: 'CreateKey' });
export type CreateKey = z.infer<typeof CreateKeySchema>;

/** The answer to POST /v1/keys: the key itself, shown once. */
export const NewKeySchema = z
  .object({
    key: z.string().describe('Shown once; only its SHA-256 is stored.'),
    tenant: z.string(),
    role: RoleSchema,
    keyId: z.string().describe('First 12 hex digits of the key’s SHA-256: names the key in listings, audit entries, revoke and rotate.'),
    name: z.string().nullable(),
    expiresAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });
export type NewKey = z.infer<typeof NewKeySchema>;

/** POST /v1/keys/{id}/rotate. */
export const RotateKeySchema = z
  .strictObject({ graceSeconds: z.number().int().min(0).max(MAX_ROTATION_GRACE_SECONDS).optional().describe('Keep the old key working this long (default 0: revoked at once).') })
  .meta({ id: 'RotateKey' });
/** The answer to a rotation: the new key and what became of the old one. */
export const RotatedKeySchema = NewKeySchema.extend({ old: ApiKeyInfoSchema }).meta({ id: 'RotatedKey' });

// --- Uploads

/** The record of one upload (`uploads/{id}/upload.json`). `sha256` and `bytes` are null while a presigned upload is pending. */
export const UploadSchema = z
  .object({
    id: z.string().meta({ example: 'up_mcx3f2k1a9f3c2b7d10' }),
    status: z.enum(['ready', 'pending']),
    filename: z.string().nullable(),
    contentType: z.string().nullable(),
    sha256: z.string().nullable(),
    bytes: z.number().int().nullable(),
    createdAt: z.string(),
    createdBy: ActorSchema,
  })
  .meta({ id: 'Upload' });
export type Upload = z.infer<typeof UploadSchema>;

/** POST /v1/uploads/presign. */
export const PresignSchema = z
  .strictObject({
    filename: z.string().min(1).max(200).optional(),
    /** Default 3600 (one hour); at most 7 days, S3's limit for presigned URLs. */
    expiresInSeconds: z.number().int().min(60).max(604_800).optional().describe('Default 3600.'),
  })
  .meta({ id: 'PresignRequest' });
export const PresignedSchema = z
  .object({ id: z.string(), url: z.string(), method: z.literal('PUT'), expiresInSeconds: z.number().int() })
  .meta({ id: 'PresignedUpload' });
export type Presigned = z.infer<typeof PresignedSchema>;

// --- Models

/** POST /v1/models. */
export const CreateModelSchema = z.strictObject({ name: NameSchema, description: z.string().max(2000).optional() }).meta({ id: 'CreateModel' });

/** The record of one model (`models/{name}/model.json`). */
export const ModelSchema = z
  .object({ name: z.string(), description: z.string().nullable(), createdAt: z.string(), createdBy: ActorSchema })
  .meta({ id: 'Model' });
export type Model = z.infer<typeof ModelSchema>;

/** One target of an alias: a version and its share of traffic (0 … 1; an alias's weights sum to 1). */
export const AliasTargetSchema = z.object({ version: z.number().int(), weight: z.number() }).meta({ id: 'AliasTarget' });
export type AliasTarget = z.infer<typeof AliasTargetSchema>;

/** GET /v1/models/{name}: a model with its version numbers and alias targets. */
export const ModelDetailSchema = ModelSchema.extend({
  versions: z.array(z.number().int()),
  aliases: z.record(z.string(), z.array(AliasTargetSchema)),
}).meta({ id: 'ModelDetail' });
export type ModelDetail = z.infer<typeof ModelDetailSchema>;

// --- Versions

/** One stored artifact of a version. */
export const ArtifactSchema = z.object({
  file: z.string(),
  /** Lower-case hex SHA-256 of the bytes, verified by re-reading them from the store. */
  sha256: z.string(),
  bytes: z.number().int(),
  contentType: z.string(),
});
export type Artifact = z.infer<typeof ArtifactSchema>;

/** An input file of a job (teacher or dataset) as recorded in lineage. */
export const InputRefSchema = z.object({ upload: z.string(), sha256: z.string(), bytes: z.number().int(), filename: z.string().nullable() });
export type InputRef = z.infer<typeof InputRefSchema>;

/** Where a version came from. */
export const LineageSchema = z.object({
  teacher: InputRefSchema.nullable(),
  dataset: InputRefSchema.nullable(),
  /** The job spec that produced it (type, preset, resolved options), or null for a direct registration. */
  job: z.object({ id: z.string(), type: z.string(), preset: z.string().nullable(), options: z.record(z.string(), z.unknown()) }).nullable(),
  /** medslim version of the code that produced it. */
  codeVersion: z.string(),
});
export type Lineage = z.infer<typeof LineageSchema>;

/** `versions/{v}/manifest.json`: an immutable, numbered result with checksums, lineage, metrics and gate. */
export const VersionSchema = z
  .object({
    model: z.string(),
    version: z.number().int(),
    createdAt: z.string(),
    createdBy: ActorSchema,
    artifacts: z.array(ArtifactSchema),
    lineage: LineageSchema,
    /** The report's stages (accuracy, AUC, ECE, agreement, per-class metrics, CIs, latency per stage). */
    metrics: z.array(StageReportSchema),
    /** The report's gate, or null when the job has none (quantize). */
    gate: GateResultSchema.nullable(),
    /** Artifact holding the full report, if any (e.g. `report.json`). */
    reportFile: z.string().nullable(),
  })
  .meta({ id: 'Version' });
export type Version = z.infer<typeof VersionSchema>;

/** GET /v1/models/{name}/versions/{v}: the manifest and the full report. */
export const VersionDetailSchema = VersionSchema.extend({ report: JobReportSchema.nullable().describe('The full report.json.') }).meta({ id: 'VersionDetail' });
export type VersionDetail = z.infer<typeof VersionDetailSchema>;

// --- Aliases and audit

/** One alias change (`audit/{id}.json`, append-only). */
export const AuditEntrySchema = z
  .object({
    /** Sorts by time: 15-digit epoch milliseconds, '-', 8 hex digits. */
    id: z.string(),
    at: z.string(),
    model: z.string(),
    alias: z.string(),
    action: z.enum(['create', 'update', 'rollback']),
    /** Targets before the change (null when the alias was created). */
    from: z.array(AliasTargetSchema).nullable(),
    to: z.array(AliasTargetSchema),
    reason: z.string().nullable(),
    /** True when a version whose gate failed was promoted on purpose. */
    force: z.boolean(),
    who: ActorSchema,
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

const aliasFields = {
  model: z.string(),
  alias: z.string(),
  targets: z.array(AliasTargetSchema),
  /** Targets before the last change: what `rollback` restores (null: nothing to roll back to). */
  previous: z.array(AliasTargetSchema).nullable(),
  /** Number of changes so far (1 after creation). */
  revision: z.number().int(),
  updatedAt: z.string(),
  updatedBy: ActorSchema,
  reason: z.string().nullable(),
  force: z.boolean(),
};

/** `aliases/{alias}.json`, with the audit entry of its last change (written atomically with the change). */
export const AliasDocSchema = z.object({ ...aliasFields, lastChange: AuditEntrySchema });
export type AliasDoc = z.infer<typeof AliasDocSchema>;

/** An alias as the API shows it: the document without `lastChange`, with its ETag. */
export const AliasSchema = z
  .object({ ...aliasFields, etag: z.string().describe('Send back as If-Match to change the alias.') })
  .meta({ id: 'Alias' });
export type Alias = z.infer<typeof AliasSchema>;

/** Most targets one alias may split traffic over. */
export const MAX_ALIAS_TARGETS = 8;

/** PUT /v1/models/{name}/aliases/{alias}. */
export const SetAliasSchema = z
  .strictObject({
    version: z.number().int().min(1).optional().describe('Shorthand for targets: [{version, weight: 1}].'),
    targets: z.array(z.object({ version: z.number().int().min(1), weight: z.number() })).min(1).max(MAX_ALIAS_TARGETS).optional(),
    force: z.boolean().optional().describe('Promote a version whose quality gate failed (needs a reason).'),
    reason: z.string().max(1000).optional(),
  })
  .meta({ id: 'SetAlias' });
export type SetAlias = z.infer<typeof SetAliasSchema>;

/** POST /v1/models/{name}/aliases/{alias}/rollback. */
export const RollbackSchema = z.strictObject({ reason: z.string().max(1000).optional() }).meta({ id: 'Rollback' });
