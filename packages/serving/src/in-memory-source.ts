/** A `ModelSource` held in maps — for tests, the bench and local demos. */
import { missingArtifact } from './errors.ts';
import { routeAlias, routeSalt, type RouteTarget } from './route.ts';
import { notFound, type ModelSource, type NotFound, type ResolvedTarget, type ResolveOptions } from './source.ts';

interface ModelEntry {
  versions: Map<number, Uint8Array | null>;
  aliases: Map<string, RouteTarget[]>;
}

/** Default tenant of the in-memory source's helpers. */
const DEFAULT_TENANT = 'default';

/**
 * Models, versions and aliases in memory. A version registered with `bytes: null` (or removed with
 * `dropBytes`) exists but has no file, so loading it throws 'MISSING_ARTIFACT'.
 * @example
 *   const source = new InMemoryModelSource()
 *     .addVersion({ model: 'chest', version: 1, bytes })
 *     .setAlias({ model: 'chest', alias: 'prod', targets: [{ version: 1, weight: 1 }] });
 */
export class InMemoryModelSource implements ModelSource {
  private readonly tenants = new Map<string, Map<string, ModelEntry>>();
  /** Number of `loadModel` calls per `tenant/model@version` (tests check that loads are shared). */
  readonly loads = new Map<string, number>();

  private entry(tenant: string, model: string, create: boolean): ModelEntry | undefined {
    let models = this.tenants.get(tenant);
    if (!models && create) this.tenants.set(tenant, (models = new Map()));
    let m = models?.get(model);
    if (!m && create && models) models.set(model, (m = { versions: new Map(), aliases: new Map() }));
    return m;
  }

  /** Add (or replace) a version; `bytes: null` registers it without a file. */
  addVersion(version: { tenant?: string; model: string; version: number; bytes: Uint8Array | null }): this {
    this.entry(version.tenant ?? DEFAULT_TENANT, version.model, true)!.versions.set(version.version, version.bytes);
    return this;
  }

  /** Simulate a version whose files were deleted from the store. */
  dropBytes(version: { tenant?: string; model: string; version: number }): this {
    this.entry(version.tenant ?? DEFAULT_TENANT, version.model, true)!.versions.set(version.version, null);
    return this;
  }

  /** Point an alias at weighted targets (weights ≥ 0 summing to 1). */
  setAlias(alias: { tenant?: string; model: string; alias: string; targets: RouteTarget[] }): this {
    this.entry(alias.tenant ?? DEFAULT_TENANT, alias.model, true)!.aliases.set(alias.alias, alias.targets.map((t) => ({ ...t })));
    return this;
  }

  resolveTarget(tenant: string, model: string, opts: ResolveOptions): ResolvedTarget | NotFound {
    const m = this.entry(tenant, model, false);
    if (!m) return notFound(`model '${model}' not found`);
    if (opts.version !== undefined) {
      if (!m.versions.has(opts.version)) return notFound(`version ${opts.version} of model '${model}' not found`);
      return { found: true, version: opts.version, alias: null };
    }
    const alias = opts.alias ?? 'prod';
    const targets = m.aliases.get(alias);
    if (!targets) return notFound(`alias '${alias}' of model '${model}' not found`);
    return { found: true, version: routeAlias(targets, opts.requestId, Math.random, routeSalt(tenant, model, alias)), alias };
  }

  async loadModel(tenant: string, model: string, version: number): Promise<Uint8Array> {
    const key = `${tenant}/${model}@${version}`;
    this.loads.set(key, (this.loads.get(key) ?? 0) + 1);
    const bytes = this.entry(tenant, model, false)?.versions.get(version);
    if (!bytes) throw missingArtifact(model, version, `in-memory source has no bytes for ${key}`);
    return bytes;
  }
}
