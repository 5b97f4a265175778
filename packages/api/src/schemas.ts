/** Zod schemas of the API (request and response bodies), registered as OpenAPI components. */
import { z } from '@hono/zod-openapi';
import { MAX_ALIAS_TARGETS, MAX_ROTATION_GRACE_SECONDS, ROLES } from '@medslim/registry';

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const nameMessage = "use 1–63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit";

export const ErrorSchema = z
  .object({ error: z.object({ code: z.string().openapi({ example: 'NOT_FOUND' }), message: z.string() }) })
  .openapi('Error');

export const ActorSchema = z.object({ keyId: z.string(), name: z.string().nullable(), role: z.enum(ROLES) }).openapi('Actor');

// Keys
const TENANT = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "use 1–63 lower-case letters, digits or '-'");
export const CreateKeySchema = z
  .object({
    tenant: TENANT.optional().openapi({ description: "Tenant of the new key (default: the caller's tenant). Another tenant needs a 'platform' key." }),
    role: z.enum(ROLES).openapi({ description: "reader, deployer, admin (manages the tenant's keys) or platform (the operator: every tenant; only a platform key may create one)." }),
    name: z.string().min(1).max(100).optional().openapi({ description: 'A label, recorded in audit entries.' }),
    expiresInDays: z.number().int().min(1).max(3650).optional().openapi({ description: 'The key stops working after this many days (default: never).' }),
  })
  .strict()
  .openapi('CreateKey');
export const KeySchema = z
  .object({
    key: z.string().openapi({ description: 'Shown once; only its SHA-256 is stored.' }),
    tenant: z.string(),
    role: z.enum(ROLES),
    keyId: z.string().openapi({ description: 'First 12 hex digits of the key’s SHA-256: names the key in listings, audit entries, revoke and rotate.' }),
    name: z.string().nullable(),
    expiresAt: z.string().nullable(),
  })
  .openapi('ApiKey');
export const KeyInfoSchema = z
  .object({
    keyId: z.string(),
    tenant: z.string(),
    role: z.enum(ROLES),
    name: z.string().nullable(),
    createdAt: z.string(),
    createdBy: ActorSchema.nullable(),
    lastUsedAt: z.string().nullable().openapi({ description: 'Last request with this key, to within 5 minutes.' }),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    revokedBy: ActorSchema.nullable(),
    replacedBy: z.string().nullable().openapi({ description: 'Id of the key that replaced this one in a rotation.' }),
    status: z.enum(['active', 'revoked', 'expired']),
  })
  .openapi('ApiKeyInfo');
export const RotateKeySchema = z
  .object({ graceSeconds: z.number().int().min(0).max(MAX_ROTATION_GRACE_SECONDS).optional().openapi({ description: 'Keep the old key working this long (default 0: revoked at once).' }) })
  .strict()
  .openapi('RotateKey');
export const RotatedKeySchema = KeySchema.extend({ old: KeyInfoSchema }).openapi('RotatedKey');
export const KeyEventSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    action: z.enum(['create', 'revoke', 'rotate']),
    keyId: z.string(),
    tenant: z.string(),
    role: z.enum(ROLES),
    name: z.string().nullable(),
    replacedBy: z.string().nullable(),
    expiresAt: z.string().nullable(),
    who: ActorSchema.extend({ tenant: z.string() }).nullable(),
  })
  .openapi('KeyEvent');

// Uploads
export const UploadSchema = z
  .object({
    id: z.string().openapi({ example: 'up_mcx3f2k1a9f3c2b7d10' }),
    status: z.enum(['ready', 'pending']),
    filename: z.string().nullable(),
    contentType: z.string().nullable(),
    sha256: z.string().nullable(),
    bytes: z.number().int().nullable(),
    createdAt: z.string(),
    createdBy: ActorSchema,
  })
  .openapi('Upload');
export const PresignSchema = z
  .object({ filename: z.string().min(1).max(200).optional(), expiresInSeconds: z.number().int().min(60).max(604_800).optional().openapi({ description: 'Default 3600.' }) })
  .strict()
  .openapi('PresignRequest');
export const PresignedSchema = z
  .object({ id: z.string(), url: z.string(), method: z.literal('PUT'), expiresInSeconds: z.number().int() })
  .openapi('PresignedUpload');

// Models and versions
export const CreateModelSchema = z
  .object({ name: z.string().regex(NAME, nameMessage), description: z.string().max(2000).optional() })
  .strict()
  .openapi('CreateModel');
export const ModelSchema = z.object({ name: z.string(), description: z.string().nullable(), createdAt: z.string(), createdBy: ActorSchema }).openapi('Model');
export const TargetSchema = z.object({ version: z.number().int(), weight: z.number() }).openapi('AliasTarget');
const InputRefSchema = z.object({ upload: z.string(), sha256: z.string(), bytes: z.number().int(), filename: z.string().nullable() });
export const VersionSchema = z
  .object({
    model: z.string(),
    version: z.number().int(),
    createdAt: z.string(),
    createdBy: ActorSchema,
    artifacts: z.array(z.object({ file: z.string(), sha256: z.string(), bytes: z.number().int(), contentType: z.string() })),
    lineage: z.object({
      teacher: InputRefSchema.nullable(),
      dataset: InputRefSchema.nullable(),
      job: z.object({ id: z.string(), type: z.string(), preset: z.string().nullable(), options: z.record(z.string(), z.unknown()) }).nullable(),
      codeVersion: z.string(),
    }),
    metrics: z.array(z.unknown()).openapi({ description: "The report's stages: accuracy, AUC, ECE, agreement, per-class metrics, CIs, latency." }),
    gate: z.object({ passed: z.boolean(), checks: z.array(z.unknown()) }).nullable(),
    reportFile: z.string().nullable(),
  })
  .openapi('Version');
export const VersionDetailSchema = VersionSchema.extend({ report: z.unknown().openapi({ description: 'The full report.json.' }) }).openapi('VersionDetail');

// Aliases
export const SetAliasSchema = z
  .object({
    version: z.number().int().min(1).optional().openapi({ description: 'Shorthand for targets: [{version, weight: 1}].' }),
    targets: z.array(z.object({ version: z.number().int().min(1), weight: z.number() })).min(1).max(MAX_ALIAS_TARGETS).optional(),
    force: z.boolean().optional().openapi({ description: 'Promote a version whose quality gate failed (needs a reason).' }),
    reason: z.string().max(1000).optional(),
  })
  .strict()
  .openapi('SetAlias');
export const RollbackSchema = z.object({ reason: z.string().max(1000).optional() }).strict().openapi('Rollback');
export const AuditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    model: z.string(),
    alias: z.string(),
    action: z.enum(['create', 'update', 'rollback']),
    from: z.array(TargetSchema).nullable(),
    to: z.array(TargetSchema),
    reason: z.string().nullable(),
    force: z.boolean(),
    who: ActorSchema,
  })
  .openapi('AuditEntry');
export const AliasSchema = z
  .object({
    model: z.string(),
    alias: z.string(),
    targets: z.array(TargetSchema),
    previous: z.array(TargetSchema).nullable(),
    revision: z.number().int(),
    updatedAt: z.string(),
    updatedBy: ActorSchema,
    reason: z.string().nullable(),
    force: z.boolean(),
    etag: z.string().openapi({ description: 'Send back as If-Match to change the alias.' }),
  })
  .openapi('Alias');

// Jobs
export const SubmitJobSchema = z
  .object({
    type: z.string().openapi({ example: 'quantize' }),
    model: z.string().regex(NAME, nameMessage).openapi({ description: 'Model that receives the new version.' }),
    teacher: z.string().openapi({ description: 'Upload id of the teacher ONNX.' }),
    dataset: z.string().openapi({ description: 'Upload id of the dataset (.npz).' }),
    preset: z.string().optional(),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .openapi('SubmitJob');
export const JobSchema = z
  .object({
    id: z.string(),
    tenant: z.string(),
    type: z.string(),
    model: z.string(),
    teacher: InputRefSchema,
    dataset: InputRefSchema,
    preset: z.string().nullable(),
    options: z.record(z.string(), z.unknown()),
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
    createdAt: z.string(),
    createdBy: ActorSchema,
    updatedAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    progress: z
      .object({ stage: z.string(), step: z.string(), done: z.number(), total: z.number(), percent: z.number(), etaSeconds: z.number().nullable() })
      .nullable(),
    cancelRequested: z.object({ at: z.string(), by: ActorSchema }).nullable(),
    attempts: z.number().int(),
    error: z.object({ code: z.string(), message: z.string(), name: z.string().nullable() }).nullable(),
    result: z.object({ model: z.string(), version: z.number().int() }).nullable(),
  })
  .openapi('Job');
