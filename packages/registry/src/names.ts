/**
 * Names and ids: what a model, alias, tenant, artifact file, upload id or job id may look like.
 * Every name becomes one segment of a store key, so the patterns also keep keys valid.
 */
import { randomBytes } from 'node:crypto';
import { RegistryError } from './errors.ts';

import { FILE_PATTERN, NAME_PATTERN, NAME_RULE, TENANT_PATTERN } from '@medslim/contracts';

export { FILE_PATTERN, NAME_PATTERN, TENANT_PATTERN };
/** Upload and job ids made by `newId`: prefix, '_', 9 base-36 time digits, 10 hex digits. */
export const ID_PATTERN = { up: /^up_[0-9a-z]{9}[0-9a-f]{10}$/, job: /^job_[0-9a-z]{9}[0-9a-f]{10}$/ } as const;

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v.length > 70 ? v.slice(0, 70) + '…' : v) : String(v));

/**
 * Check a model or alias name against `NAME_PATTERN`.
 * @returns the name, unchanged.
 * @throws RegistryError 'INVALID' naming the rule.
 */
export function checkName(kind: 'model' | 'alias', value: unknown): string {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw new RegistryError('INVALID', `${kind} name ${show(value)} is not valid: ${NAME_RULE}`);
  }
  return value;
}

/** Check a tenant name against `TENANT_PATTERN`. @throws RegistryError 'INVALID'. */
export function checkTenant(value: unknown): string {
  if (typeof value !== 'string' || !TENANT_PATTERN.test(value)) {
    throw new RegistryError('INVALID', `tenant ${show(value)} is not valid: use 1–63 lower-case letters, digits or '-', starting with a letter or digit`);
  }
  return value;
}

/** Check an artifact file name against `FILE_PATTERN`. @throws RegistryError 'INVALID'. */
export function checkFile(value: unknown): string {
  if (typeof value !== 'string' || !FILE_PATTERN.test(value)) {
    throw new RegistryError('INVALID', `artifact file name ${show(value)} is not valid: use letters, digits, '.', '_' or '-' (no '/')`);
  }
  return value;
}

/**
 * True when `value` is an id `newId(kind)` could have made. Callers answer NOT_FOUND otherwise, so a
 * malformed id reads like an unknown one (and never reaches the store as a key).
 */
export function isId(kind: keyof typeof ID_PATTERN, value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN[kind].test(value);
}

/**
 * A new unique id that sorts by creation time (to the millisecond): `up_…` for uploads, `job_…` for jobs.
 * 40 random bits make collisions within one millisecond negligible; writers still create with
 * `ifNoneMatch: '*'`.
 */
export function newId(kind: keyof typeof ID_PATTERN, now: number = Date.now()): string {
  return `${kind}_${now.toString(36).padStart(9, '0')}${randomBytes(5).toString('hex')}`;
}

/** A version number: a positive safe integer. @throws RegistryError 'INVALID'. */
export function checkVersion(value: unknown): number {
  const v = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
    throw new RegistryError('INVALID', `version ${show(value)} is not valid: versions are integers ≥ 1`);
  }
  return v;
}
