/**
 * API keys: `msk_` + 32 random bytes (base64url). Only the key's SHA-256 is stored
 * (`keys/{sha256}.json`), bound to one tenant and one role. The key id is the first 12 hex digits
 * of that hash: it names the key in listings, audit entries and revoke/rotate calls, never the secret.
 *
 * Lifecycle: `create` → `verify` on every request → `revoke` or `rotate` (a new secret, same tenant,
 * role and name; the old one refused at once or after a grace period) → optional expiry. Every create,
 * revoke and rotate appends a key event to the tenant's key audit trail (`tenants/{t}/key-audit/`).
 *
 * Who may manage keys: a tenant's `admin` manages its own tenant's keys (up to role `admin`); only a
 * `platform` key acts across tenants or creates, revokes or rotates `platform` keys. Another tenant's
 * key id is answered NOT_FOUND, so ids do not leak.
 *
 * Caching and the revocation bound: `verify` keeps each answer for `cacheTtlMs` (default 4 s) in a bounded
 * LRU — accepted keys so a request does not cost a store read, unknown, revoked or malformed keys for
 * `negativeTtlMs` (default 2 s) so a flood of bad keys does not either. A revoked or expired key is
 * therefore refused by every process (each API and inference Lambda instance) within `cacheTtlMs` of the
 * revocation, and at once by the process that revoked it. `lastUsedAt` is written at most once per
 * `LAST_USED_RESOLUTION_MS` per key (a conditional write, so it can never undo a revocation).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { BlobStore } from './store/index.ts';
import { StoreError } from './store/index.ts';
import { auditId } from './audit.ts';
import { RegistryError } from './errors.ts';
import { listKeys, readDoc, updateDoc, writeDoc } from './json.ts';
import { layout } from './layout.ts';
import { checkTenant } from './names.ts';
import type { ApiKeyInfo, ApiKeyRecord, KeyEvent } from '@medslim/contracts';
import { MAX_ROTATION_GRACE_SECONDS } from '@medslim/contracts';
import type { Actor, Principal, Role } from './principal.ts';
import { ROLES, roleAtLeast } from './principal.ts';
import { TtlCache } from './ttl-cache.ts';


/** Shortest key accepted (characters), also for `MEDSLIM_ADMIN_KEY`. */
export const MIN_KEY_LENGTH = 20;
/** Longest key value looked up (characters); longer bearers are refused without a store read. */
export const MAX_KEY_LENGTH = 512;
/** Tenant of the first admin key. */
export const DEFAULT_TENANT = 'default';
/** How long `verify` trusts an accepted key without re-reading it: the revocation bound, ms. */
export const KEY_CACHE_TTL_MS = 4000;
/** How long `verify` remembers an unknown, revoked or malformed key, ms. */
export const KEY_NEGATIVE_TTL_MS = 2000;
/** `lastUsedAt` is rewritten at most this often per key, ms (5 minutes). */
export const LAST_USED_RESOLUTION_MS = 5 * 60_000;
/** Stored key records, listings and key events: schemas in @medslim/contracts. */
export { MAX_ROTATION_GRACE_SECONDS, type ApiKeyInfo, type ApiKeyRecord, type KeyEvent } from '@medslim/contracts';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const keyIdOf = (hash: string) => hash.slice(0, 12);
const KEY_ID = /^[0-9a-f]{12}$/;

/** A fresh random API key (`msk_…`, 47 characters, 256 bits of entropy). */
export function generateApiKey(): string {
  return `msk_${randomBytes(32).toString('base64url')}`;
}

/** Options of `ApiKeys`. */
export interface ApiKeysOptions {
  /** See `KEY_CACHE_TTL_MS` (0 turns the cache off). */
  cacheTtlMs?: number;
  /** See `KEY_NEGATIVE_TTL_MS`. */
  negativeTtlMs?: number;
  /** Most cached answers (default 10,000: about 2 MB). */
  cacheEntries?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** Create, verify, list, revoke and rotate API keys. */
export class ApiKeys {
  private readonly cache: TtlCache<Principal | null>;
  private readonly ttl: number;
  private readonly negativeTtl: number;
  private readonly now: () => number;

  constructor(
    private readonly store: BlobStore,
    opts: ApiKeysOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.ttl = opts.cacheTtlMs ?? KEY_CACHE_TTL_MS;
    this.negativeTtl = opts.negativeTtlMs ?? KEY_NEGATIVE_TTL_MS;
    this.cache = new TtlCache({ maxEntries: opts.cacheEntries ?? 10_000, now: this.now });
  }

  /**
   * Create a key for `tenant` with `role`; the key is returned once and never stored.
   * @param opts.by who asks (null: the server itself). A non-`platform` caller may only create keys for its
   *   own tenant and up to role `admin`.
   * @param opts.key use this value instead of a random one (≥ `MIN_KEY_LENGTH` characters; for scripted set-ups).
   * @param opts.expiresAt when the key stops working (must be in the future), or null.
   * @throws RegistryError 'INVALID' (tenant, role, short key, past expiry), 'FORBIDDEN' (another tenant, or a
   *   `platform` key, without role `platform`), 'ALREADY_EXISTS' (that key value is already registered).
   */
  async create(opts: { tenant: string; role: Role; name?: string | null; by: Principal | null; key?: string; expiresAt?: string | null }): Promise<{ key: string; expiresAt: string | null } & Principal> {
    checkTenant(opts.tenant);
    if (!ROLES.includes(opts.role)) throw new RegistryError('INVALID', `role ${JSON.stringify(opts.role)} is not valid: use one of ${ROLES.join(', ')}`);
    if (opts.by) {
      if (opts.by.tenant !== opts.tenant && opts.by.role !== 'platform') {
        throw new RegistryError('FORBIDDEN', `key ${opts.by.keyId} may create keys for its own tenant '${opts.by.tenant}' only; keys for other tenants need a 'platform' key`);
      }
      if (!roleAtLeast(opts.by.role, opts.role)) {
        throw new RegistryError('FORBIDDEN', `key ${opts.by.keyId} has role '${opts.by.role}' and cannot create a '${opts.role}' key`);
      }
    }
    const expiresAt = opts.expiresAt ?? null;
    if (expiresAt !== null && !(Date.parse(expiresAt) > this.now())) throw new RegistryError('INVALID', `expiresAt ${JSON.stringify(expiresAt)} must be a time in the future`);
    const key = opts.key ?? generateApiKey();
    if (typeof key !== 'string' || key.length < MIN_KEY_LENGTH || key.length > MAX_KEY_LENGTH || /\s/.test(key)) {
      throw new RegistryError('INVALID', `an API key must be ${MIN_KEY_LENGTH}–${MAX_KEY_LENGTH} characters without spaces`);
    }
    const hash = sha256(key);
    const at = new Date(this.now()).toISOString();
    const record: ApiKeyRecord = {
      tenant: opts.tenant,
      role: opts.role,
      name: opts.name ?? null,
      createdAt: at,
      createdBy: opts.by ? actor(opts.by) : null,
      expiresAt,
      revokedAt: null,
      revokedBy: null,
      replacedBy: null,
      lastUsedAt: null,
    };
    try {
      await writeDoc(this.store, layout.apiKey(hash), record, { ifNoneMatch: '*' });
    } catch (e) {
      if (StoreError.is(e, 'PRECONDITION_FAILED')) throw new RegistryError('ALREADY_EXISTS', 'that API key is already registered');
      throw e;
    }
    this.cache.delete(hash);
    const keyId = keyIdOf(hash);
    await this.event({ action: 'create', keyId, record, replacedBy: null, expiresAt, by: opts.by, at });
    return { key, tenant: record.tenant, role: record.role, keyId, name: record.name, expiresAt };
  }

  /**
   * The principal a presented key stands for, or `null` for an unknown, revoked, expired or malformed key.
   * At most one store read per key per `cacheTtlMs` (see the module comment for the revocation bound).
   */
  async verify(key: string): Promise<Principal | null> {
    if (typeof key !== 'string' || key.length < MIN_KEY_LENGTH || key.length > MAX_KEY_LENGTH) return null;
    const hash = sha256(key);
    const cached = this.cache.get(hash);
    if (cached !== undefined) return cached;
    const doc = await readDoc<ApiKeyRecord>(this.store, layout.apiKey(hash));
    // The key name already equals the hash; compare anyway so a store that matched loosely cannot let a key in.
    const r = doc && timingSafeEqual(Buffer.from(hash), Buffer.from(sha256(key))) ? doc.value : null;
    const now = this.now();
    if (!r || statusOf(r, now) !== 'active') {
      this.cache.set(hash, null, this.negativeTtl);
      return null;
    }
    const principal: Principal = { tenant: r.tenant, role: r.role, keyId: keyIdOf(hash), name: r.name };
    const untilExpiry = r.expiresAt ? Date.parse(r.expiresAt) - now : Infinity;
    this.cache.set(hash, principal, Math.min(this.ttl, untilExpiry));
    if (!r.lastUsedAt || now - Date.parse(r.lastUsedAt) >= LAST_USED_RESOLUTION_MS) {
      // Conditional on the ETag just read: a revocation written meanwhile wins, and this write is dropped.
      await writeDoc(this.store, layout.apiKey(hash), { ...r, lastUsedAt: new Date(now).toISOString() }, { ifMatch: doc!.etag }).catch(() => {});
    }
    return principal;
  }

  /**
   * The keys of `tenant`, oldest first, without secrets. `by` must be an admin of `tenant` or `platform`.
   * Reads every key record (`keys/`): fine for hundreds of keys.
   * @throws RegistryError 'FORBIDDEN'.
   */
  async list(tenant: string, by: Principal): Promise<ApiKeyInfo[]> {
    checkTenant(tenant);
    this.checkScope(by, tenant);
    const now = this.now();
    const out: ApiKeyInfo[] = [];
    for (const k of await listKeys(this.store, layout.apiKeysPrefix())) {
      const hash = /^keys\/([0-9a-f]{64})\.json$/.exec(k)?.[1];
      if (!hash) continue;
      const doc = await readDoc<ApiKeyRecord>(this.store, k);
      if (doc && doc.value.tenant === tenant) out.push(info(keyIdOf(hash), doc.value, now));
    }
    return out.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.keyId < b.keyId ? -1 : 1));
  }

  /** One key by id, as `by` may see it. @throws RegistryError 'NOT_FOUND' (unknown, or another tenant's without `platform`). */
  async get(keyId: string, by: Principal): Promise<ApiKeyInfo> {
    const { hash, doc } = await this.locate(keyId, by);
    return info(keyIdOf(hash), doc.value, this.now());
  }

  /**
   * Revoke a key: refused at once here and within `cacheTtlMs` everywhere else. Revoking a revoked key
   * changes nothing (and records nothing).
   * @throws RegistryError 'NOT_FOUND', 'FORBIDDEN' (a `platform` key without role `platform`).
   */
  async revoke(keyId: string, by: Principal): Promise<ApiKeyInfo> {
    const { hash, doc } = await this.locate(keyId, by);
    this.checkRole(by, doc.value);
    const at = new Date(this.now()).toISOString();
    let changed = false;
    const done = await updateDoc<ApiKeyRecord>(this.store, layout.apiKey(hash), (cur) => {
      if (!cur) throw new RegistryError('NOT_FOUND', `no API key ${keyId}`);
      if (cur.revokedAt) return undefined;
      changed = true;
      return { ...cur, revokedAt: at, revokedBy: actor(by) };
    });
    this.cache.delete(hash);
    const record = done!.value;
    if (changed) await this.event({ action: 'revoke', keyId, record, replacedBy: null, expiresAt: record.expiresAt ?? null, by, at });
    return info(keyId, record, this.now());
  }

  /**
   * Rotate a key: a new secret with the same tenant, role, name and expiry; the old key is revoked at once,
   * or — with `graceSeconds` > 0 — expires after that many seconds (≤ `MAX_ROTATION_GRACE_SECONDS`) so
   * clients can switch over.
   * @returns the new key (shown once) and the old key's state.
   * @throws RegistryError 'NOT_FOUND', 'FORBIDDEN', 'INVALID' (grace period, an already revoked or expired key).
   */
  async rotate(keyId: string, by: Principal, opts: { graceSeconds?: number } = {}): Promise<{ key: string; keyId: string; tenant: string; role: Role; name: string | null; expiresAt: string | null; old: ApiKeyInfo }> {
    const grace = opts.graceSeconds ?? 0;
    if (!Number.isInteger(grace) || grace < 0 || grace > MAX_ROTATION_GRACE_SECONDS) {
      throw new RegistryError('INVALID', `graceSeconds must be an integer from 0 to ${MAX_ROTATION_GRACE_SECONDS}`);
    }
    const { hash, doc } = await this.locate(keyId, by);
    this.checkRole(by, doc.value);
    const now = this.now();
    if (statusOf(doc.value, now) !== 'active') throw new RegistryError('INVALID', `API key ${keyId} is ${statusOf(doc.value, now)}; create a new key instead`);
    const key = generateApiKey();
    const newHash = sha256(key);
    const at = new Date(now).toISOString();
    const old = doc.value;
    const record: ApiKeyRecord = { ...old, createdAt: at, createdBy: actor(by), revokedAt: null, revokedBy: null, replacedBy: null, lastUsedAt: null };
    await writeDoc(this.store, layout.apiKey(newHash), record, { ifNoneMatch: '*' });
    const newId = keyIdOf(newHash);
    const oldExpiry = grace > 0 ? new Date(now + grace * 1000).toISOString() : null;
    const done = await updateDoc<ApiKeyRecord>(this.store, layout.apiKey(hash), (cur) => {
      if (!cur) throw new RegistryError('NOT_FOUND', `no API key ${keyId}`);
      const expiresAt = oldExpiry && (!cur.expiresAt || cur.expiresAt > oldExpiry) ? oldExpiry : (cur.expiresAt ?? null);
      return grace > 0 ? { ...cur, expiresAt, replacedBy: newId } : { ...cur, revokedAt: cur.revokedAt ?? at, revokedBy: cur.revokedBy ?? actor(by), replacedBy: newId };
    });
    this.cache.delete(hash);
    await this.event({ action: 'rotate', keyId, record: done!.value, replacedBy: newId, expiresAt: done!.value.expiresAt ?? null, by, at });
    return { key, keyId: newId, tenant: record.tenant, role: record.role, name: record.name, expiresAt: record.expiresAt ?? null, old: info(keyId, done!.value, this.now()) };
  }

  /** The key events of `tenant`, newest first (at most `limit`, default 100). @throws RegistryError 'FORBIDDEN'. */
  async events(tenant: string, by: Principal, opts: { limit?: number } = {}): Promise<KeyEvent[]> {
    checkTenant(tenant);
    this.checkScope(by, tenant);
    const keys = (await listKeys(this.store, layout.keyAuditPrefix(tenant))).sort().reverse().slice(0, opts.limit ?? 100);
    const out: KeyEvent[] = [];
    for (const k of keys) {
      const doc = await readDoc<KeyEvent>(this.store, k);
      if (doc) out.push(doc.value);
    }
    return out;
  }

  /**
   * Make sure a first key exists (tenant `default`, role `platform`: the operator's key).
   * - With `key` (e.g. `MEDSLIM_ADMIN_KEY`): registers that value if it is not registered yet; returns `{ created: false }`
   *   and never echoes the key.
   * - Without: creates a random key the first time only and returns it (`created: true`) so it can be printed once;
   *   later calls return `{ created: false }`.
   * Stores made before the `platform` role had an `admin` first key; it is promoted to `platform` here.
   * @throws RegistryError 'INVALID' for a `key` shorter than `MIN_KEY_LENGTH`.
   */
  async ensureAdmin(opts: { key?: string; tenant?: string } = {}): Promise<{ created: boolean; key?: string; tenant: string }> {
    const tenant = opts.tenant ?? DEFAULT_TENANT;
    await this.promoteFirstAdmins(tenant);
    if (opts.key !== undefined) {
      if (await this.verify(opts.key)) return { created: false, tenant };
      try {
        await this.create({ tenant, role: 'platform', name: 'admin (MEDSLIM_ADMIN_KEY)', by: null, key: opts.key });
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
    const made = await this.create({ tenant, role: 'platform', name: 'first admin', by: null });
    return { created: true, key: made.key, tenant };
  }

  /** First keys (created by the server itself, role `admin`, in `tenant`) become `platform` keys. */
  private async promoteFirstAdmins(tenant: string): Promise<void> {
    for (const k of await listKeys(this.store, layout.apiKeysPrefix())) {
      const doc = await readDoc<ApiKeyRecord>(this.store, k);
      if (!doc || doc.value.createdBy !== null || doc.value.role !== 'admin' || doc.value.tenant !== tenant) continue;
      await writeDoc(this.store, k, { ...doc.value, role: 'platform' }, { ifMatch: doc.etag }).catch(() => {});
    }
    this.cache.clear();
  }

  private checkScope(by: Principal, tenant: string): void {
    if (!roleAtLeast(by.role, 'admin')) throw new RegistryError('FORBIDDEN', `managing API keys needs role 'admin' or higher; key ${by.keyId} has role '${by.role}'`);
    if (by.role !== 'platform' && by.tenant !== tenant) {
      throw new RegistryError('FORBIDDEN', `key ${by.keyId} manages the keys of its own tenant '${by.tenant}' only; other tenants need a 'platform' key`);
    }
  }

  private checkRole(by: Principal, target: ApiKeyRecord): void {
    if (!roleAtLeast(by.role, target.role)) throw new RegistryError('FORBIDDEN', `a '${target.role}' key can only be revoked or rotated by a '${target.role}' key; key ${by.keyId} has role '${by.role}'`);
  }

  /** The record of `keyId` if `by` may manage it; NOT_FOUND otherwise (another tenant's ids do not leak). */
  private async locate(keyId: string, by: Principal): Promise<{ hash: string; doc: { value: ApiKeyRecord; etag: string } }> {
    if (!roleAtLeast(by.role, 'admin')) throw new RegistryError('FORBIDDEN', `managing API keys needs role 'admin' or higher; key ${by.keyId} has role '${by.role}'`);
    const missing = () => new RegistryError('NOT_FOUND', `no API key ${KEY_ID.test(keyId) ? keyId : JSON.stringify(String(keyId).slice(0, 40))} in tenant '${by.tenant}'; list them with GET /v1/keys`);
    if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) throw missing();
    const found = (await listKeys(this.store, `${layout.apiKeysPrefix()}${keyId}`)).map((k) => /^keys\/([0-9a-f]{64})\.json$/.exec(k)?.[1]).filter((h): h is string => !!h);
    if (found.length !== 1) throw missing();
    const doc = await readDoc<ApiKeyRecord>(this.store, layout.apiKey(found[0]));
    if (!doc || (by.role !== 'platform' && doc.value.tenant !== by.tenant)) throw missing();
    return { hash: found[0], doc };
  }

  private async event(e: { action: KeyEvent['action']; keyId: string; record: ApiKeyRecord; replacedBy: string | null; expiresAt: string | null; by: Principal | null; at: string }): Promise<void> {
    const id = auditId(Date.parse(e.at));
    const entry: KeyEvent = {
      id,
      at: e.at,
      action: e.action,
      keyId: e.keyId,
      tenant: e.record.tenant,
      role: e.record.role,
      name: e.record.name,
      replacedBy: e.replacedBy,
      expiresAt: e.expiresAt,
      who: e.by ? { ...actor(e.by), tenant: e.by.tenant } : null,
    };
    await writeDoc(this.store, layout.keyAuditEntry(e.record.tenant, id), entry, { ifNoneMatch: '*' });
  }
}

function actor(p: Principal): Actor {
  return { keyId: p.keyId, name: p.name, role: p.role };
}

function statusOf(r: ApiKeyRecord, now: number): ApiKeyInfo['status'] {
  if (r.revokedAt) return 'revoked';
  if (r.expiresAt && Date.parse(r.expiresAt) <= now) return 'expired';
  return 'active';
}

function info(keyId: string, r: ApiKeyRecord, now: number): ApiKeyInfo {
  return {
    keyId,
    tenant: r.tenant,
    role: r.role,
    name: r.name,
    createdAt: r.createdAt,
    createdBy: r.createdBy,
    lastUsedAt: r.lastUsedAt ?? null,
    expiresAt: r.expiresAt ?? null,
    revokedAt: r.revokedAt ?? null,
    revokedBy: r.revokedBy ?? null,
    replacedBy: r.replacedBy ?? null,
    status: statusOf(r, now),
  };
}
