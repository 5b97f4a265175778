/**
 * The audit trail of alias changes: one append-only document per change at
 * `tenants/{t}/models/{m}/audit/{id}.json` (ids sort by time), written with `ifNoneMatch: '*'`.
 *
 * An alias document also carries its own last change (`lastChange`), written atomically with
 * the change itself; `list` merges those in, so a change whose audit document could not be
 * written (a crash right after the alias write) is still in the trail.
 */
import { randomBytes } from 'node:crypto';
import type { BlobStore } from './store/index.ts';
import { readDoc, writeDoc } from './json.ts';
import { layout } from './layout.ts';
import type { AliasTarget, AuditEntry } from '@medslim/contracts';

export type { AliasTarget, AuditEntry } from '@medslim/contracts';



/** A new audit entry id for `now`. */
export function auditId(now: number = Date.now()): string {
  return `${String(now).padStart(15, '0')}-${randomBytes(4).toString('hex')}`;
}

/** Append and read audit entries. */
export class Audit {
  constructor(private readonly store: BlobStore) {}

  /** Append `entry` (idempotent for the same id). */
  async append(tenant: string, entry: AuditEntry): Promise<void> {
    await writeDoc(this.store, layout.auditEntry(tenant, entry.model, entry.id), entry, { ifNoneMatch: '*' }).catch(async (e: unknown) => {
      // Already there (a retry of the same entry) is fine; anything else is a real failure.
      if (!(await readDoc(this.store, layout.auditEntry(tenant, entry.model, entry.id)))) throw e;
    });
  }

  /**
   * The audit trail of `model`, newest first, with the `lastChange` of each alias merged in.
   * @param opts.alias only entries of this alias; `opts.limit` at most this many (default all).
   */
  async list(tenant: string, model: string, lastChanges: AuditEntry[], opts: { alias?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const byId = new Map<string, AuditEntry>();
    for await (const e of this.store.list(layout.auditPrefix(tenant, model))) {
      const doc = await readDoc<AuditEntry>(this.store, e.key);
      if (doc) byId.set(doc.value.id, doc.value);
    }
    for (const c of lastChanges) if (!byId.has(c.id)) byId.set(c.id, c);
    let out = [...byId.values()].sort((a, b) => (a.id < b.id ? 1 : -1));
    if (opts.alias !== undefined) out = out.filter((e) => e.alias === opts.alias);
    return opts.limit !== undefined ? out.slice(0, opts.limit) : out;
  }
}
