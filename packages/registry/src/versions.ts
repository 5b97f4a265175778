/**
 * Versions: immutable, numbered results of a job (or of a direct registration), with every
 * artifact's SHA-256 and size, lineage, metrics and gate result.
 *
 * Registration order (what makes a half-written version impossible to see):
 * 1. reserve the next number with a conditional create of `versions/{v}/reserved.json`
 *    (`ifNoneMatch: '*'`; on 412 try v+1), so two registrations never write into one folder;
 * 2. store each artifact, then re-read it from the store and check its SHA-256 against the source;
 * 3. write `versions/{v}/manifest.json` last (conditional create). A version is visible exactly
 *    when its manifest exists. On any failure the artifacts and the reservation are removed.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { BlobStore } from './store/index.ts';
import { StoreError } from './store/index.ts';
import { RegistryError } from './errors.ts';
import { listKeys, readDoc, writeDoc } from './json.ts';
import { layout, versionOfKey } from './layout.ts';
import type { Models } from './models.ts';
import { checkFile, checkVersion } from './names.ts';
import type { Actor, Artifact as ArtifactRecord, GateResult, JobReport, Lineage, StageReport, Version as VersionManifest } from '@medslim/contracts';

export type { Artifact as ArtifactRecord, GateResult, InputRef, Lineage, Version as VersionManifest } from '@medslim/contracts';






/** An artifact to register: a file on disk or bytes in memory. */
export interface ArtifactSource {
  file: string;
  path?: string;
  bytes?: Uint8Array;
  contentType?: string;
}

/** Longest run of taken version numbers skipped before giving up (concurrent registrations). */
const MAX_RESERVE_ATTEMPTS = 50;

const CONTENT_TYPES: Record<string, string> = { '.onnx': 'application/octet-stream', '.json': 'application/json', '.md': 'text/markdown; charset=utf-8', '.txt': 'text/plain; charset=utf-8' };
const contentTypeOf = (file: string) => CONTENT_TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream';

async function sha256Of(stream: AsyncIterable<unknown> | Iterable<unknown>): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Uint8Array);
    bytes += (chunk as Uint8Array).byteLength;
  }
  return { sha256: hash.digest('hex'), bytes };
}

const sourceStream = (a: ArtifactSource): Readable | Uint8Array => (a.bytes ? a.bytes : createReadStream(a.path!));

/** Register and read versions. */
export class Versions {
  constructor(
    private readonly store: BlobStore,
    private readonly models: Models,
  ) {}

  /**
   * Register a new version of `model` (see the module comment for the order of writes).
   * @returns the manifest, with the version number allocated.
   * @throws RegistryError 'NOT_FOUND' (model), 'INVALID' (no artifacts, bad or duplicate file names,
   *   neither path nor bytes), 'INTEGRITY' (bytes read back differ from the source); StoreError 'IO'.
   */
  async register(
    tenant: string,
    model: string,
    input: { artifacts: ArtifactSource[]; lineage: Lineage; metrics: StageReport[]; gate: GateResult | null; createdBy: Actor; reportFile?: string | null },
  ): Promise<VersionManifest> {
    await this.models.get(tenant, model);
    if (input.artifacts.length === 0) throw new RegistryError('INVALID', 'a version needs at least one artifact');
    const seen = new Set<string>();
    for (const a of input.artifacts) {
      checkFile(a.file);
      if (seen.has(a.file)) throw new RegistryError('INVALID', `artifact '${a.file}' is listed twice`);
      seen.add(a.file);
      if (!a.bytes === !a.path) throw new RegistryError('INVALID', `artifact '${a.file}' needs exactly one of path or bytes`);
    }
    if (input.reportFile != null && !seen.has(input.reportFile)) throw new RegistryError('INVALID', `reportFile '${input.reportFile}' is not one of the artifacts`);

    const version = await this.reserve(tenant, model, input.createdBy);
    const written: string[] = [];
    try {
      const artifacts: ArtifactRecord[] = [];
      for (const a of input.artifacts) {
        const key = layout.artifact(tenant, model, version, a.file);
        const source = a.bytes ? await sha256Of([a.bytes]) : await sha256Of(createReadStream(a.path!));
        const contentType = a.contentType ?? contentTypeOf(a.file);
        written.push(key);
        const put = await this.store.put(key, sourceStream(a), { contentType });
        if (put.sha256 !== source.sha256 || put.bytes !== source.bytes) {
          throw new RegistryError('INTEGRITY', `artifact '${a.file}' changed while it was stored (source ${source.sha256}, ${source.bytes} bytes; stored ${put.sha256}, ${put.bytes} bytes)`);
        }
        const readBack = await sha256Of((await this.store.getStream(key)).stream);
        if (readBack.sha256 !== source.sha256 || readBack.bytes !== source.bytes) {
          throw new RegistryError('INTEGRITY', `artifact '${a.file}' read back from ${this.store.describe()} does not match what was written (sha256 ${readBack.sha256} ≠ ${source.sha256})`);
        }
        artifacts.push({ file: a.file, sha256: source.sha256, bytes: source.bytes, contentType });
      }
      const manifest: VersionManifest = {
        model,
        version,
        createdAt: new Date().toISOString(),
        createdBy: input.createdBy,
        artifacts,
        lineage: input.lineage,
        metrics: input.metrics,
        gate: input.gate,
        reportFile: input.reportFile ?? null,
      };
      await writeDoc(this.store, layout.versionManifest(tenant, model, version), manifest, { ifNoneMatch: '*' });
      return manifest;
    } catch (e) {
      // Nothing of a failed registration stays: artifacts first, the reservation last (frees the number).
      for (const key of written) await this.store.delete(key).catch(() => {});
      await this.store.delete(layout.versionReserved(tenant, model, version)).catch(() => {});
      throw e;
    }
  }

  /** Take the lowest free version number above every number taken so far. */
  private async reserve(tenant: string, model: string, createdBy: Actor): Promise<number> {
    const keys = await listKeys(this.store, layout.versionsPrefix(tenant, model));
    let v = 1 + keys.reduce((max, k) => Math.max(max, versionOfKey(k, 'reserved.json') ?? 0, versionOfKey(k, 'manifest.json') ?? 0), 0);
    for (let i = 0; i < MAX_RESERVE_ATTEMPTS; i++, v++) {
      try {
        await writeDoc(this.store, layout.versionReserved(tenant, model, v), { version: v, at: new Date().toISOString(), by: createdBy }, { ifNoneMatch: '*' });
        return v;
      } catch (e) {
        if (!StoreError.is(e, 'PRECONDITION_FAILED')) throw e;
      }
    }
    throw new RegistryError('CONFLICT', `could not reserve a version number for model '${model}' after ${MAX_RESERVE_ATTEMPTS} attempts; try again`);
  }

  /** One visible version. @throws RegistryError 'NOT_FOUND' (model or version; also a malformed number). */
  async get(tenant: string, model: string, version: number | string): Promise<VersionManifest> {
    await this.models.get(tenant, model);
    let v: number;
    try {
      v = checkVersion(version);
    } catch {
      throw new RegistryError('NOT_FOUND', `version ${JSON.stringify(version)} of model '${model}' not found`);
    }
    const doc = await readDoc<VersionManifest>(this.store, layout.versionManifest(tenant, model, v));
    if (!doc) throw new RegistryError('NOT_FOUND', `version ${v} of model '${model}' not found`);
    return doc.value;
  }

  /** True when version `v` of `model` is visible (its manifest exists). */
  async exists(tenant: string, model: string, v: number): Promise<boolean> {
    return (await this.store.head(layout.versionManifest(tenant, model, v))) !== null;
  }

  /** All visible versions of `model`, oldest first. @throws RegistryError 'NOT_FOUND' (model). */
  async list(tenant: string, model: string): Promise<VersionManifest[]> {
    await this.models.get(tenant, model);
    const numbers = (await listKeys(this.store, layout.versionsPrefix(tenant, model)))
      .map((k) => versionOfKey(k, 'manifest.json'))
      .filter((v): v is number => v !== null)
      .sort((a, b) => a - b);
    const out: VersionManifest[] = [];
    for (const v of numbers) {
      const doc = await readDoc<VersionManifest>(this.store, layout.versionManifest(tenant, model, v));
      if (doc) out.push(doc.value);
    }
    return out;
  }

  /**
   * Open an artifact of a visible version for streaming.
   * @throws RegistryError 'NOT_FOUND' (model, version or file).
   */
  async openArtifact(tenant: string, model: string, version: number | string, file: string): Promise<{ record: ArtifactRecord; stream: Readable; key: string }> {
    const manifest = await this.get(tenant, model, version);
    const record = manifest.artifacts.find((a) => a.file === file);
    if (!record) throw new RegistryError('NOT_FOUND', `version ${manifest.version} of model '${model}' has no artifact ${JSON.stringify(file)} (artifacts: ${manifest.artifacts.map((a) => a.file).join(', ')})`);
    const key = layout.artifact(tenant, model, manifest.version, file);
    const { stream } = await this.store.getStream(key);
    return { record, stream, key };
  }

  /** A version's report (the parsed `reportFile` artifact), or null when it has none. */
  async readReport(tenant: string, manifest: VersionManifest): Promise<JobReport | null> {
    if (!manifest.reportFile) return null;
    const doc = await readDoc<JobReport>(this.store, layout.artifact(tenant, manifest.model, manifest.version, manifest.reportFile));
    return doc?.value ?? null;
  }
}
