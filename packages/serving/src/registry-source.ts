import { createHash } from 'node:crypto';
import { RegistryError, StoreError, type AliasState, type Registry } from '@medslim/registry';
import { missingArtifact } from './errors.ts';
import { routeAlias } from './route.ts';
import { notFound, type ModelSource, type NotFound, type ResolvedTarget, type ResolveOptions } from './source.ts';

/** Artifacts a version is served from, in order of preference: the INT8 student, else any ONNX file. */
const SERVED = ['model.int8.onnx', 'pruned.onnx', 'student.onnx'];

/**
 * A `ModelSource` backed by the registry (filesystem or S3 store): aliases resolve through their weighted
 * targets with `routeAlias` (deterministic per `X-Request-Id`), alias documents are cached for `aliasTtlMs`
 * (resolveTarget runs on every request; a rollout reaches each warm function within that time), and the
 * model bytes are read from the version's artifact and checked against its recorded sha256.
 * A version whose file is gone raises `missingArtifact` (answered 503 naming the version).
 */
export class RegistryModelSource implements ModelSource {
  private readonly aliases = new Map<string, { at: number; state: AliasState | null }>();

  constructor(private readonly registry: Registry, private readonly opts: { aliasTtlMs?: number; now?: () => number } = {}) {}

  private async alias(tenant: string, model: string, alias: string): Promise<AliasState | null> {
    const key = `${tenant}\u0000${model}\u0000${alias}`;
    const now = (this.opts.now ?? Date.now)();
    const hit = this.aliases.get(key);
    if (hit && now - hit.at < (this.opts.aliasTtlMs ?? 2000)) return hit.state;
    let state: AliasState | null = null;
    try {
      state = await this.registry.aliases.get(tenant, model, alias);
    } catch (e) {
      if (!(e instanceof RegistryError && e.code === 'NOT_FOUND')) throw e;
    }
    this.aliases.set(key, { at: now, state });
    return state;
  }

  async resolveTarget(tenant: string, model: string, opts: ResolveOptions): Promise<ResolvedTarget | NotFound> {
    if (opts.version !== undefined) {
      return (await this.registry.versions.exists(tenant, model, opts.version))
        ? { found: true, version: opts.version, alias: null }
        : notFound(`version ${opts.version} of model '${model}' not found`);
    }
    const name = opts.alias ?? 'prod';
    const state = await this.alias(tenant, model, name);
    if (!state) return notFound(`alias '${name}' of model '${model}' not found; point it at a version with PUT /v1/models/${model}/aliases/${name}`);
    return { found: true, version: routeAlias(state.doc.targets, opts.requestId), alias: name };
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
