/**
 * Aliases (`prod`, `staging`, any name) point a model at one version or at weighted targets for a
 * canary, e.g. `[{version: 3, weight: 0.9}, {version: 4, weight: 0.1}]`.
 *
 * Every change is conditional on the alias document's store ETag (RFC 7232 If-Match; S3
 * conditional writes on S3), so two concurrent rollouts never overwrite each other: the loser gets
 * 'PRECONDITION_FAILED'. Creating an alias is conditional on its absence (`ifNoneMatch: '*'`).
 * Each change stores the previous targets (rollback restores them in one call) and appends an
 * audit entry (who, when, from, to, reason).
 */
import type { BlobStore } from './store/index.ts';
import { normalizeEtag, StoreError } from './store/index.ts';
import type { AliasDoc, AliasTarget } from '@medslim/contracts';
import { MAX_ALIAS_TARGETS } from '@medslim/contracts';
import type { Audit, AuditEntry } from './audit.ts';
import { auditId } from './audit.ts';
import { RegistryError } from './errors.ts';
import { readDoc, writeDoc } from './json.ts';
import { layout } from './layout.ts';
import type { Models } from './models.ts';
import { checkName } from './names.ts';
import type { Actor } from './principal.ts';
import type { Versions } from './versions.ts';

export { MAX_ALIAS_TARGETS, type AliasDoc } from '@medslim/contracts';
/** Tolerance of the weight sum: |Σ weights − 1| ≤ 1e-9. */
export const WEIGHT_SUM_TOLERANCE = 1e-9;


/** An alias document and its ETag (send it back as `If-Match`). */
export interface AliasState {
  doc: AliasDoc;
  etag: string;
}

/**
 * Check targets: 1 … `MAX_ALIAS_TARGETS` entries, distinct integer versions ≥ 1, finite weights ≥ 0
 * summing to 1 (± `WEIGHT_SUM_TOLERANCE`). Returns them sorted by version.
 * @throws RegistryError 'INVALID' naming the rule and the numbers.
 */
export function validateTargets(targets: unknown): AliasTarget[] {
  if (!Array.isArray(targets) || targets.length === 0) throw new RegistryError('INVALID', 'targets must be a non-empty array of {version, weight}');
  if (targets.length > MAX_ALIAS_TARGETS) throw new RegistryError('INVALID', `an alias may have at most ${MAX_ALIAS_TARGETS} targets (got ${targets.length})`);
  const seen = new Set<number>();
  let sum = 0;
  for (const [i, t] of targets.entries()) {
    const { version, weight } = (t ?? {}) as { version?: unknown; weight?: unknown };
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
      throw new RegistryError('INVALID', `targets[${i}].version must be an integer ≥ 1 (got ${JSON.stringify(version)})`);
    }
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new RegistryError('INVALID', `targets[${i}].weight must be a finite number ≥ 0 (got ${JSON.stringify(weight)})`);
    }
    if (seen.has(version)) throw new RegistryError('INVALID', `version ${version} appears twice in targets; list each version once`);
    seen.add(version);
    sum += weight;
  }
  if (Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) {
    throw new RegistryError('INVALID', `target weights must sum to 1 (got ${sum}); e.g. [{"version": 3, "weight": 0.9}, {"version": 4, "weight": 0.1}]`);
  }
  return (targets as AliasTarget[]).map((t) => ({ version: t.version, weight: t.weight })).sort((a, b) => a.version - b.version);
}

/** Read, move and roll back aliases. */
export class Aliases {
  constructor(
    private readonly store: BlobStore,
    private readonly models: Models,
    private readonly versions: Versions,
    private readonly audit: Audit,
  ) {}

  /** One alias with its ETag. @throws RegistryError 'NOT_FOUND' (model or alias). */
  async get(tenant: string, model: string, alias: string): Promise<AliasState> {
    await this.models.get(tenant, model);
    const doc = await this.read(tenant, model, alias);
    if (!doc) throw new RegistryError('NOT_FOUND', `alias ${JSON.stringify(alias)} of model '${model}' not found`);
    return doc;
  }

  /** All aliases of `model`, by name. @throws RegistryError 'NOT_FOUND' (model). */
  async list(tenant: string, model: string): Promise<AliasState[]> {
    await this.models.get(tenant, model);
    const out: AliasState[] = [];
    for await (const e of this.store.list(layout.aliasesPrefix(tenant, model))) {
      const doc = await readDoc<AliasDoc>(this.store, e.key);
      if (doc) out.push({ doc: doc.value, etag: doc.etag });
    }
    return out.sort((a, b) => (a.doc.alias < b.doc.alias ? -1 : 1));
  }

  /**
   * Point `alias` at `targets`.
   * - Existing alias: `ifMatch` (its current ETag) is required; a stale one fails.
   * - New alias: created only if absent (a concurrent create fails); an `ifMatch` then fails too.
   * - Targets whose version's gate failed (and whose weight is > 0) need `force: true` and a `reason`.
   *
   * @throws RegistryError 'INVALID' (name, targets, a version that does not exist, force without reason),
   *   'NOT_FOUND' (model), 'PRECONDITION_REQUIRED' (no ifMatch for an existing alias),
   *   'PRECONDITION_FAILED' (stale ifMatch or lost race), 'GATE_FAILED'.
   */
  async set(
    tenant: string,
    model: string,
    alias: string,
    input: { targets: unknown; ifMatch?: string | null; force?: boolean; reason?: string | null; actor: Actor },
  ): Promise<AliasState> {
    checkName('alias', alias);
    await this.models.get(tenant, model);
    const targets = validateTargets(input.targets);
    const reason = input.reason?.trim() ? input.reason.trim() : null;
    const force = input.force === true;
    if (force && !reason) throw new RegistryError('INVALID', 'force: true needs a reason (it is recorded in the audit trail)');

    const missing: number[] = [];
    const gateFailed: number[] = [];
    for (const t of targets) {
      let manifest;
      try {
        manifest = await this.versions.get(tenant, model, t.version);
      } catch (e) {
        if (RegistryError.is(e, 'NOT_FOUND')) {
          missing.push(t.version);
          continue;
        }
        throw e;
      }
      if (t.weight > 0 && manifest.gate && manifest.gate.passed === false) gateFailed.push(t.version);
    }
    if (missing.length > 0) {
      const have = (await this.versions.list(tenant, model)).map((m) => m.version);
      throw new RegistryError('INVALID', `model '${model}' has no version ${missing.join(', ')} (versions: ${have.length ? have.join(', ') : 'none yet'}); an alias can only point at registered versions`);
    }
    if (gateFailed.length > 0 && !force) {
      throw new RegistryError('GATE_FAILED', `version ${gateFailed.join(', ')} of model '${model}' failed its quality gate; to promote it anyway send "force": true and a "reason"`);
    }

    const current = await this.read(tenant, model, alias);
    if (current && !input.ifMatch) {
      throw new RegistryError('PRECONDITION_REQUIRED', `alias '${alias}' exists: GET .../aliases/${alias}, check what it points to, then send its ETag in If-Match so a concurrent change is not overwritten`);
    }
    if (!current && input.ifMatch) {
      throw new RegistryError('PRECONDITION_FAILED', `If-Match ${input.ifMatch} given but alias '${alias}' does not exist`);
    }
    if (current && normalizeEtag(input.ifMatch!) !== current.etag) throw stale(alias, input.ifMatch!);
    return this.write(tenant, model, alias, current, {
      targets,
      previous: current ? current.doc.targets : null,
      action: current ? 'update' : 'create',
      reason,
      force,
      actor: input.actor,
    });
  }

  /**
   * Restore the targets the alias had before its last change (a second rollback undoes the first).
   * Conditional like `set`: on `ifMatch` when given, else on the ETag just read.
   * @throws RegistryError 'NOT_FOUND', 'CONFLICT' (no previous targets), 'PRECONDITION_FAILED'.
   */
  async rollback(tenant: string, model: string, alias: string, input: { ifMatch?: string | null; reason?: string | null; actor: Actor }): Promise<AliasState> {
    const current = await this.get(tenant, model, alias);
    if (input.ifMatch && normalizeEtag(input.ifMatch) !== current.etag) throw stale(alias, input.ifMatch);
    const previous = current.doc.previous;
    if (!previous) throw new RegistryError('CONFLICT', `alias '${alias}' has no previous target to roll back to (it was just created)`);
    return this.write(tenant, model, alias, current, {
      targets: previous,
      previous: current.doc.targets,
      action: 'rollback',
      reason: input.reason?.trim() ? input.reason.trim() : null,
      force: false,
      actor: input.actor,
    });
  }

  private async read(tenant: string, model: string, alias: string): Promise<AliasState | null> {
    if (typeof alias !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,62}$/.test(alias)) return null;
    const doc = await readDoc<AliasDoc>(this.store, layout.aliasDoc(tenant, model, alias));
    return doc && { doc: doc.value, etag: doc.etag };
  }

  private async write(
    tenant: string,
    model: string,
    alias: string,
    current: AliasState | null,
    c: { targets: AliasTarget[]; previous: AliasTarget[] | null; action: AuditEntry['action']; reason: string | null; force: boolean; actor: Actor },
  ): Promise<AliasState> {
    const now = Date.now();
    const entry: AuditEntry = {
      id: auditId(now),
      at: new Date(now).toISOString(),
      model,
      alias,
      action: c.action,
      from: current ? current.doc.targets : null,
      to: c.targets,
      reason: c.reason,
      force: c.force,
      who: c.actor,
    };
    const doc: AliasDoc = {
      model,
      alias,
      targets: c.targets,
      previous: c.previous,
      revision: (current?.doc.revision ?? 0) + 1,
      updatedAt: entry.at,
      updatedBy: c.actor,
      reason: c.reason,
      force: c.force,
      lastChange: entry,
    };
    let etag: string;
    try {
      etag = await writeDoc(this.store, layout.aliasDoc(tenant, model, alias), doc, current ? { ifMatch: current.etag } : { ifNoneMatch: '*' });
    } catch (e) {
      if (StoreError.is(e, 'PRECONDITION_FAILED')) {
        throw new RegistryError('PRECONDITION_FAILED', current ? `alias '${alias}' was changed by someone else meanwhile; GET it again and retry with its new ETag` : `alias '${alias}' was created by someone else meanwhile; GET it and retry with If-Match`);
      }
      throw e;
    }
    // The change is committed (and carries its own audit entry); a failure here is repaired on read.
    await this.audit.append(tenant, entry).catch(() => {});
    return { doc, etag };
  }

  /** The `lastChange` of every alias of `model` (for the audit trail). */
  async lastChanges(tenant: string, model: string): Promise<AuditEntry[]> {
    return (await this.list(tenant, model)).map((a) => a.doc.lastChange);
  }
}

function stale(alias: string, ifMatch: string): RegistryError {
  return new RegistryError('PRECONDITION_FAILED', `If-Match ${ifMatch} is stale: alias '${alias}' has changed since; GET it again and retry with its current ETag`);
}
