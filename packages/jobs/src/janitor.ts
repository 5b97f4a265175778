/**
 * The janitor: removes what a crash (kill -9 of a worker or a server) leaves behind and no live job owns.
 * Run by every worker at start-up (after recovering abandoned jobs) and every `JANITOR_EVERY_MS`.
 *
 * - `medslim-job_*` scratch folders in the worker's work dir (the OS temp dir by default), which hold a
 *   tenant's teacher and dataset: removed when their job (in this store) is no longer `running`; folders of
 *   jobs this store does not know are another store's and are left alone.
 * - Filesystem-store writes in progress (`…#tmp-*`, `…#mtmp-*`, e.g. a killed 100 MB upload) untouched for
 *   `minAgeMs`: removed.
 * - Invisible versions (`versions/N/` with `reserved.json` but no `manifest.json`, older than `minAgeMs`, of
 *   a model no running job of its tenant registers into): their artifacts are removed. `reserved.json` stays,
 *   so version numbers never go back: such a crash leaves a gap in the numbering (N is skipped), by design.
 * Stale store locks are broken by the next writer that needs them (`file-lock.ts`), not here.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { FsBlobStore, layout, type Registry } from '@medslim/registry';

/** How often a worker runs the janitor (10 minutes). */
export const JANITOR_EVERY_MS = 10 * 60_000;
/** Store temporaries and reservations younger than this are left alone (a write may be in progress). */
export const JANITOR_MIN_AGE_MS = 10 * 60_000;

/** What one sweep removed. */
export interface SweepResult {
  tempDirs: string[];
  storeTemporaries: string[];
  versions: string[];
}

const SCRATCH = /^medslim-(job_[0-9a-z]{9}[0-9a-f]{10})-/;
const TEMPORARY = /#m?tmp-[0-9a-f]+$/;

/** One sweep (see the module comment). Never throws for one item; failures go to `log`. */
export async function sweep(opts: { registry: Registry; workDir: string; minAgeMs?: number; now?: number; log?: (line: string) => void }): Promise<SweepResult> {
  const minAge = opts.minAgeMs ?? JANITOR_MIN_AGE_MS;
  const now = opts.now ?? Date.now();
  const log = opts.log ?? (() => {});
  const out: SweepResult = { tempDirs: [], storeTemporaries: [], versions: [] };
  const running = new Map<string, { tenant: string; model: string }>();
  for (const id of await opts.registry.jobs.runningIds()) {
    const doc = (await opts.registry.jobs.get(id))?.value;
    if (doc?.status === 'running') running.set(id, { tenant: doc.tenant, model: doc.model });
  }

  for (const name of await readdir(opts.workDir).catch(() => [] as string[])) {
    const m = SCRATCH.exec(name);
    if (!m || running.has(m[1])) continue;
    const doc = (await opts.registry.jobs.get(m[1]).catch(() => null))?.value;
    // A folder of a job this store does not know belongs to another store's worker sharing the temp dir.
    if (!doc || doc.status === 'running') continue;
    await rm(path.join(opts.workDir, name), { recursive: true, force: true }).then(
      () => out.tempDirs.push(name),
      (e: unknown) => log(`janitor: could not remove ${name}: ${(e as Error).message}`),
    );
  }

  const store = opts.registry.store;
  if (store instanceof FsBlobStore) {
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (TEMPORARY.test(e.name)) {
          const s = await stat(p).catch(() => null);
          if (s && now - s.mtimeMs >= minAge) await rm(p, { force: true }).then(() => out.storeTemporaries.push(path.relative(store.root, p)));
        }
      }
    };
    await walk(store.root);
  }

  const busy = new Set([...running.values()].map((r) => `${r.tenant}/${r.model}`));
  const keys: string[] = [];
  for await (const e of store.list('tenants/')) keys.push(e.key);
  const manifests = new Set(keys.filter((k) => k.endsWith('/manifest.json')).map((k) => k.slice(0, -'manifest.json'.length)));
  for (const k of keys) {
    const m = /^tenants\/([^/]+)\/models\/([^/]+)\/versions\/([1-9][0-9]*)\/reserved\.json$/.exec(k);
    if (!m || manifests.has(k.slice(0, -'reserved.json'.length)) || busy.has(`${m[1]}/${m[2]}`)) continue;
    const reserved = await store.get(k).then((g) => JSON.parse(Buffer.from(g.body).toString()) as { at?: string }, () => null);
    if (!reserved?.at || now - Date.parse(reserved.at) < minAge) continue;
    const prefix = `${layout.versionsPrefix(m[1], m[2])}${m[3]}/artifacts/`;
    const artifacts = keys.filter((x) => x.startsWith(prefix));
    if (!artifacts.length) continue;
    for (const a of artifacts) await store.delete(a).catch(() => {});
    out.versions.push(`${m[1]}/${m[2]}@${m[3]}`);
  }
  const n = out.tempDirs.length + out.storeTemporaries.length + out.versions.length;
  if (n) log(`janitor: removed ${out.tempDirs.length} job scratch folder(s), ${out.storeTemporaries.length} unfinished store write(s), the artifacts of ${out.versions.length} unregistered version(s) (their numbers stay taken)`);
  return out;
}
