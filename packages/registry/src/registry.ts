/**
 * `Registry`: the registry's parts bound to one BlobStore, plus the one operation that spans them
 * (submitting a job checks the model and both uploads, and records their checksums in the spec).
 */
import type { BlobStore } from './store/index.ts';
import { Aliases } from './aliases.ts';
import { Audit, type AuditEntry } from './audit.ts';
import { RegistryError } from './errors.ts';
import { JobStore, type JobStoreOptions } from './jobs/job-store.ts';
import type { JobDoc } from './jobs/types.ts';
import { ApiKeys, type ApiKeysOptions } from './keys.ts';
import { Models } from './models.ts';
import { checkName } from './names.ts';
import type { Actor } from './principal.ts';
import { Uploads } from './uploads.ts';
import type { InputRef } from './versions.ts';
import { Versions } from './versions.ts';

/** Options of `Registry`. */
export interface RegistryOptions extends JobStoreOptions {
  /** Largest upload in bytes (default `DEFAULT_MAX_UPLOAD_BYTES`, 512 MiB). */
  maxUploadBytes?: number;
  /** Key verification cache (revocation bound); see `ApiKeys`. */
  keys?: ApiKeysOptions;
}

/** Everything the API and workers need, on one store. */
export class Registry {
  readonly keys: ApiKeys;
  readonly uploads: Uploads;
  readonly models: Models;
  readonly versions: Versions;
  readonly audit: Audit;
  readonly aliases: Aliases;
  readonly jobs: JobStore;

  constructor(
    readonly store: BlobStore,
    opts: RegistryOptions = {},
  ) {
    this.keys = new ApiKeys(store, opts.keys);
    this.uploads = new Uploads(store, opts.maxUploadBytes);
    this.models = new Models(store);
    this.versions = new Versions(store, this.models);
    this.audit = new Audit(store);
    this.aliases = new Aliases(store, this.models, this.versions, this.audit);
    this.jobs = new JobStore(store, opts);
  }

  /**
   * Queue a job for `tenant`: the model must exist and `teacher` / `dataset` must be ready uploads
   * of the same tenant; their SHA-256 and sizes go into the spec (and later into lineage).
   * @throws RegistryError 'INVALID' (model name, teacher = dataset), 'NOT_FOUND' (model, uploads), 'CONFLICT' (pending upload).
   */
  async submitJob(
    tenant: string,
    input: { type: string; model: string; teacher: string; dataset: string; preset: string | null; options: Record<string, unknown> },
    createdBy: Actor,
  ): Promise<JobDoc> {
    checkName('model', input.model);
    await this.models.get(tenant, input.model);
    if (input.teacher === input.dataset) throw new RegistryError('INVALID', 'teacher and dataset must be two different uploads');
    const teacher = await this.uploads.getReady(tenant, input.teacher, 'teacher');
    const dataset = await this.uploads.getReady(tenant, input.dataset, 'dataset');
    const ref = (u: typeof teacher): InputRef => ({ upload: u.id, sha256: u.sha256!, bytes: u.bytes!, filename: u.filename });
    return this.jobs.create({
      tenant,
      spec: { type: input.type, model: input.model, teacher: ref(teacher), dataset: ref(dataset), preset: input.preset, options: input.options },
      createdBy,
    });
  }

  /** The audit trail of `model`, newest first. @throws RegistryError 'NOT_FOUND' (model). */
  async auditTrail(tenant: string, model: string, opts: { alias?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    return this.audit.list(tenant, model, await this.aliases.lastChanges(tenant, model), opts);
  }
}
