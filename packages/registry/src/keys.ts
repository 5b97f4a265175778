/**
 * API keys: `msk_` + 32 random bytes (base64url). Only the key's SHA-256 is stored
 * (`keys/{sha256}.json`), bound to one tenant and one role.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { BlobStore } from './store/index.ts';
import { StoreError } from './store/index.ts';
import { RegistryError } from './errors.ts';
import { readDoc, writeDoc } from './json.ts';
import { layout } from './layout.ts';
import { checkTenant } from './names.ts';
import type { Actor, Principal, Role } from './principal.ts';
import { ROLES } from './principal.ts';

/** The stored record of one key. */
export interface ApiKeyRecord {
  tenant: string;
  role: Role;
  name: string | null;
  createdAt: string;
  createdBy: Actor | null;
}

/** Shortest key accepted (characters), also for `MEDSLIM_ADMIN_KEY`. */
export const MIN_KEY_LENGTH = 20;
/** Tenant of the first admin key. */
export const DEFAULT_TENANT = 'default';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const keyId = (hash: string) => hash.slice(0, 12);

/** A fresh random API key (`msk_…`, 47 characters, 256 bits of entropy). */
export function generateApiKey(): string {
  return `msk_${randomBytes(32).toString('base64url')}`;
}

/** Create and verify API keys. */
export class ApiKeys {
  constructor(private readonly store: BlobStore) {}

  /**
   * Create a key for `tenant` with `role`; the key is returned once and never stored.
   * @param opts.key use this value instead of a random one (≥ `MIN_KEY_LENGTH` characters; for scripted set-ups).
   * @throws RegistryError 'INVALID' (tenant, role, short key), 'ALREADY_EXISTS' (that key value is already registered).
   */
  async create(opts: { tenant: string; role: Role; name?: string | null; createdBy: Actor | null; key?: string }): Promise<{ key: string } & Principal> {
    checkTenant(opts.tenant);
    if (!ROLES.includes(opts.role)) throw new RegistryError('INVALID', `role ${JSON.stringify(opts.role)} is not valid: use one of ${ROLES.join(', ')}`);
    const key = opts.key ?? generateApiKey();
    if (typeof key !== 'string' || key.length < MIN_KEY_LENGTH || /\s/.test(key)) {
      throw new RegistryError('INVALID', `an API key must be at least ${MIN_KEY_LENGTH} characters without spaces`);
    }
    const hash = sha256(key);
    const record: ApiKeyRecord = { tenant: opts.tenant, role: opts.role, name: opts.name ?? null, createdAt: new Date().toISOString(), createdBy: opts.createdBy };
    try {
      await writeDoc(this.store, layout.apiKey(hash), record, { ifNoneMatch: '*' });
    } catch (e) {
      if (StoreError.is(e, 'PRECONDITION_FAILED')) throw new RegistryError('ALREADY_EXISTS', 'that API key is already registered');
      throw e;
    }
    return { key, tenant: record.tenant, role: record.role, keyId: keyId(hash), name: record.name };
  }

  /**
   * The principal a presented key stands for, or `null` for an unknown or malformed key.
   * One store read per call; the comparison of the stored hash is constant-time.
   */
  async verify(key: string): Promise<Principal | null> {
    if (typeof key !== 'string' || key.length < MIN_KEY_LENGTH || key.length > 512) return null;
    const hash = sha256(key);
    const doc = await readDoc<ApiKeyRecord>(this.store, layout.apiKey(hash));
    if (!doc) return null;
    // The key name already equals the hash; compare anyway so a store that matched loosely cannot let a key in.
    if (!timingSafeEqual(Buffer.from(hash), Buffer.from(sha256(key)))) return null;
    const r = doc.value;
    return { tenant: r.tenant, role: r.role, keyId: keyId(hash), name: r.name };
  }

  /**
   * Make sure a first admin key exists (tenant `default`, role `admin`).
   * - With `key` (e.g. `MEDSLIM_ADMIN_KEY`): registers that value if it is not registered yet; returns `{ created: false }`
   *   and never echoes the key.
   * - Without: creates a random key the first time only and returns it (`created: true`) so it can be printed once;
   *   later calls return `{ created: false }`.
   * @throws RegistryError 'INVALID' for a `key` shorter than `MIN_KEY_LENGTH`.
   */
  async ensureAdmin(opts: { key?: string; tenant?: string } = {}): Promise<{ created: boolean; key?: string; tenant: string }> {
    const tenant = opts.tenant ?? DEFAULT_TENANT;
    if (opts.key !== undefined) {
      if (await this.verify(opts.key)) return { created: false, tenant };
      try {
        await this.create({ tenant, role: 'admin', name: 'admin (MEDSLIM_ADMIN_KEY)', createdBy: null, key: opts.key });
      } catch (e) {
        if (!RegistryError.is(e, 'ALREADY_EXISTS')) throw e;
      }
      await writeDoc(this.store, layout.adminMarker(), { createdAt: new Date().toISOString(), source: 'env' }).catch(() => {});
      return { created: false, tenant };
    }
    // Claim the one-time creation first, so two servers starting at once do not both mint a key.
    try {
      await writeDoc(this.store, layout.adminMarker(), { createdAt: new Date().toISOString(), source: 'generated' }, { ifNoneMatch: '*' });
    } catch (e) {
      if (StoreError.is(e, 'PRECONDITION_FAILED')) return { created: false, tenant };
      throw e;
    }
    const made = await this.create({ tenant, role: 'admin', name: 'first admin', createdBy: null });
    return { created: true, key: made.key, tenant };
  }
}
