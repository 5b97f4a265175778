/** Who is acting: the tenant and role an API key is bound to, and how entries name the key. */

/** Roles, weakest first. A role may do everything the roles before it may. */
export const ROLES = ['reader', 'deployer', 'admin', 'platform'] as const;
/**
 * `reader`: read everything of the tenant; `deployer`: also upload, create models, run jobs, move aliases;
 * `admin`: also create, list, revoke and rotate the tenant's API keys; `platform` (the operator, e.g. the
 * first key `medslim serve` prints): also manage keys of every tenant and create `platform` keys. Every
 * other role acts on its own tenant only.
 */
export type Role = (typeof ROLES)[number];

/** True when `role` may do what `needed` may. */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** Who did something, as recorded in audit entries, jobs and versions (never the key itself). */
export interface Actor {
  /** The key's id: the first 12 hex digits of its SHA-256. */
  keyId: string;
  /** The key's label, when it was given one. */
  name: string | null;
  role: Role;
}

/** An authenticated caller: an `Actor` plus the tenant the key is bound to. */
export interface Principal extends Actor {
  tenant: string;
}
