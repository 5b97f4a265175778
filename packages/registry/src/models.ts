/** Models: a tenant's named slots (`tenants/{t}/models/{name}/model.json`) that versions and aliases hang off. */
import type { BlobStore } from './store/index.ts';
import { StoreError } from './store/index.ts';
import { RegistryError } from './errors.ts';
import { readDoc, writeDoc } from './json.ts';
import { layout } from './layout.ts';
import { checkName } from './names.ts';
import type { Actor, Model as ModelRecord } from '@medslim/contracts';

export type { Model as ModelRecord } from '@medslim/contracts';


/** Create, read and list a tenant's models. */
export class Models {
  constructor(private readonly store: BlobStore) {}

  /**
   * Create a model (conditional create: two creates of one name → one wins).
   * @throws RegistryError 'INVALID' (name), 'ALREADY_EXISTS'.
   */
  async create(tenant: string, input: { name: string; description?: string | null; createdBy: Actor }): Promise<ModelRecord> {
    checkName('model', input.name);
    const record: ModelRecord = { name: input.name, description: input.description ?? null, createdAt: new Date().toISOString(), createdBy: input.createdBy };
    try {
      await writeDoc(this.store, layout.modelDoc(tenant, input.name), record, { ifNoneMatch: '*' });
    } catch (e) {
      if (StoreError.is(e, 'PRECONDITION_FAILED')) throw new RegistryError('ALREADY_EXISTS', `model '${input.name}' already exists`);
      throw e;
    }
    return record;
  }

  /** One model. @throws RegistryError 'NOT_FOUND' (also for a malformed name or another tenant's model). */
  async get(tenant: string, name: string): Promise<ModelRecord> {
    const doc = typeof name === 'string' && /^[a-z0-9][a-z0-9._-]{0,62}$/.test(name) ? await readDoc<ModelRecord>(this.store, layout.modelDoc(tenant, name)) : null;
    if (!doc) throw new RegistryError('NOT_FOUND', `model ${JSON.stringify(name)} not found; create it with POST /v1/models`);
    return doc.value;
  }

  /** All models of `tenant`, by name. */
  async list(tenant: string): Promise<ModelRecord[]> {
    const out: ModelRecord[] = [];
    for await (const e of this.store.list(layout.modelsPrefix(tenant))) {
      if (!/^tenants\/[^/]+\/models\/[^/]+\/model\.json$/.test(e.key)) continue;
      const doc = await readDoc<ModelRecord>(this.store, e.key);
      if (doc) out.push(doc.value);
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  }
}
