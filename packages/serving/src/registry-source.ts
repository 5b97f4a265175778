import { createHash } from 'node:crypto';
import { NAME_PATTERN, RegistryError, StoreError, TtlCache, type AliasState, type Registry } from '@medslim/registry';
import { missingArtifact } from './errors.ts';
import { routeAlias, routeSalt } from './route.ts';
import { notFound, type ModelSource, type NotFound, type ResolvedTarget, type ResolveOptions } from './source.ts';

/** Artifacts a version is served from, in order of preference: the INT8 student, else any ONNX file. */
// model.onnx: the model a compress job chose under the clinical gate; older versions: the INT8 student first.
const SERVED = ['model.onnx', 'model.int8.onnx', 'pruned.onnx', 'student.onnx'];

/** How long a warm instance trusts an alias document (ms): the bound on how late predictions follow an alias change. */
export const ALIAS_CACHE_TTL_MS = 2000;

/**
 * A `ModelSource` backed by the registry (filesystem or S3 store): aliases resolve through their weighted
 * targets with `routeAlias` (deterministic per `X-Request-Id`, salted per tenant/model/alias), alias
 * documents — and "no such alias" — are cached for `aliasTtlMs` (default `ALIAS_CACHE_TTL_MS`) in a bounded
 * LRU (`aliasCacheEntries`, default 1,000: names are validated first, so an entry is < 200 bytes of key),
 * so a rollout reaches each warm function within that time. Model bytes are read from the version's
 * artifact and checked against its recorded sha256. A version whose file is gone raises `missingArtifact`
 * (answered 503 naming the version). Names that could never exist (pattern, length) are answered
 * not-found without a store read or a cache entry.
 */
export class RegistryModelSource implements ModelSource {
  private readonly aliases: TtlCache<AliasState | null>;

  constructor(private readonly registry: Registry, private readonly opts: { aliasTtlMs?: number; aliasCacheEntries?: number; now?: () => number } = {}) {
    this.aliases = new TtlCache({ maxEntries: opts.aliasCacheEntries ?? 1000, now: opts.now });
  }

  private async alias(tenant: string, model: string, alias: string): Promise<AliasState | null> {
    const key = `${tenant}\u0000${model}\u0000${alias}`;
    const hit = this.aliases.get(key);
    if (hit !== undefined) return hit;
    let state: AliasState | null = null;
    try {
      state = await this.registry.aliases.get(tenant, model, alias);
    } catch (e) {
      if (!(e instanceof RegistryError && e.code === 'NOT_FOUND')) throw e;
    }
    this.aliases.set(key, state, this.opts.aliasTtlMs ?? ALIAS_CACHE_TTL_MS);
    return state;
  }

  async resolveTarget(tenant: string, model: string, opts: ResolveOptions): Promise<ResolvedTarget | NotFound> {
    if (!NAME_PATTERN.test(model)) return notFound(`model ${showName(model)} not found: model names are 1–63 lower-case letters, digits, '.', '_' or '-'`);
    if (opts.alias !== undefined && !NAME_PATTERN.test(opts.alias)) return notFound(`alias ${showName(opts.alias)} of model '${model}' not found: alias names are 1–63 lower-case letters, digits, '.', '_' or '-'`);
    if (opts.version !== undefined) {
      return (await this.registry.versions.exists(tenant, model, opts.version))
        ? { found: true, version: opts.version, alias: null }
        : notFound(`version ${opts.version} of model '${model}' not found`);
    }
    const name = opts.alias ?? 'prod';
    const state = await this.alias(tenant, model, name);
    if (!state) return notFound(`alias '${name}' of model '${model}' not found; point it at a version with PUT /v1/models/${model}/aliases/${name}`);
    return { found: true, version: routeAlias(state.doc.targets, opts.requestId, Math.random, routeSalt(tenant, model, name)), alias: name };
  }

  async loadModel(tenant: string, model: string, version: number): Promise<Uint8Array> {
    const manifest = await this.registry.versions.get(tenant, model, version);
    const record = SERVED.map((f) => manifest.artifacts.find((a) => a.file === f)).find(Boolean) ?? manifest.artifacts.find((a) => a.file.endsWith('.onnx'));
    if (!record) throw missingArtifact(model, version, `it has no ONNX artifact (${manifest.artifacts.map((a) => a.file).join(', ')})`);
    let bytes: Buffer;
    try {
      const { stream } = await this.registry.versions.openArtifact(tenant, model, version, record.file);
      const chunks: Buffer[] = [];
      for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
      bytes = Buffer.concat(chunks);
    } catch (e) {
      if ((e instanceof StoreError && e.code === 'NOT_FOUND') || (e instanceof RegistryError && e.code === 'NOT_FOUND')) {
        throw missingArtifact(model, version, `${record.file} is missing from the store`);
      }
      throw e;
    }
    if (createHash('sha256').update(bytes).digest('hex') !== record.sha256) {
      throw missingArtifact(model, version, `${record.file} does not match its recorded sha256`);
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
}

/** A name for a message: quoted, at most 40 characters (a 5,000-character name is not echoed back). */
function showName(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
}
