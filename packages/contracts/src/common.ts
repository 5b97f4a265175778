/** Pieces every document shares: names, roles, who acted, the error body. */
import { z } from 'zod';

/** Model and alias names: lower-case letters, digits, '.', '_', '-'; starts with a letter or digit; 1 … 63 characters. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
/** Tenant names: lower-case letters, digits and '-'; 1 … 63 characters. */
export const TENANT_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Artifact file names: letters, digits, '.', '_', '-'; 1 … 128 characters; no '/'. */
export const FILE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** What a bad model or alias name is told. */
export const NAME_RULE = "use 1–63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit";

/** A model or alias name (see {@link NAME_PATTERN}). */
export const NameSchema = z.string().regex(NAME_PATTERN, NAME_RULE);

/** Roles, weakest first. A role may do everything the roles before it may. */
export const ROLES = ['reader', 'deployer', 'admin', 'platform'] as const;
/**
 * `reader`: read everything of the tenant; `deployer`: also upload, create models, run jobs, move aliases;
 * `admin`: also create, list, revoke and rotate the tenant's API keys; `platform` (the operator, e.g. the
 * first key `medslim serve` prints): also manage keys of every tenant and create `platform` keys. Every
 * other role acts on its own tenant only.
 */
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** Who did something, as recorded in audit entries, jobs and versions (never the key itself). */
export const ActorSchema = z
  .object({
    keyId: z.string().describe("The key's id: the first 12 hex digits of its SHA-256."),
    name: z.string().nullable().describe("The key's label, when it was given one."),
    role: RoleSchema,
  })
  .meta({ id: 'Actor' });
export type Actor = z.infer<typeof ActorSchema>;

/** An authenticated caller: an `Actor` plus the tenant the key is bound to. */
export const PrincipalSchema = ActorSchema.extend({ tenant: z.string() });
/** True when `role` may do what `needed` may. */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}
export type Principal = z.infer<typeof PrincipalSchema>;

/** Every error answer of both HTTP apps: `{error: {code, message}}`. */
export const ErrorSchema = z
  .object({ error: z.object({ code: z.string().meta({ example: 'NOT_FOUND' }), message: z.string().describe('What went wrong and how to fix it.') }) })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof ErrorSchema>;

/**
 * The base of medslim's input errors (OnnxError, DistillError, JobError, …): a stable machine-readable `code` a
 * caller branches on and a `message` that names the field and the fix. Each package's subclass sets `name` (the
 * CLI exits 2 on these names) and the union of its codes.
 */
export class CodedError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Lower and upper bound of a 95 % confidence interval. */
export const IntervalSchema = z.tuple([z.number(), z.number()]);
export type Interval = z.infer<typeof IntervalSchema>;
