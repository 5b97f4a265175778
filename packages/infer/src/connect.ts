/**
 * Where a deployed function gets its models and keys from: the one place the registry is wired in.
 * `createInferApp` needs only a `ModelSource` (`resolveTarget` + `loadModel`) and an `authenticate`.
 *
 * To wire the registry (MEDSLIM_STORE, like the API's config): build `new Registry(createBlobStore(…))`,
 * implement `resolveTarget` with `registry.aliases.get(…).doc.targets` → `routeAlias(targets, requestId)`
 * (cache alias documents a few seconds) and pinned versions with `registry.versions.exists(…)`;
 * `loadModel` reads the version's ONNX artifact and throws `missingArtifact(model, version, key)`
 * when the store says it is gone; `authenticate` = `registry.keys.verify` (cached there: a revoked key is
 * refused within `KEY_CACHE_TTL_MS`, 4 s, on every warm instance).
 */
import { deployedStoreConfig, readSstLinks, type Env } from '@medslim/config';
import { createBlobStore, parseStoreUrl, Registry } from '@medslim/registry';
import { RegistryModelSource, type ModelSource } from '@medslim/serving';
import type { Authenticate } from './env.ts';

/** The model source and key check backed by one registry (its store holds models, aliases and API keys). */
export function connectRegistry(registry: Registry): { source: ModelSource; authenticate: Authenticate } {
  return { source: new RegistryModelSource(registry), authenticate: (key) => registry.keys.verify(key) };
}

/**
 * The model source and key check for a deployed function: the store @medslim/config's
 * `deployedStoreConfig` reads (`MEDSLIM_STORE` = `s3://bucket/prefix?region=…` or `fs:<dir>`,
 * `MEDSLIM_BUCKET`, or the SST link `Store`), as the API reads it.
 * @throws ConfigError naming MEDSLIM_STORE when nothing names a store.
 */
export function connectFromEnv(env: Env = process.env): { source: ModelSource; authenticate: Authenticate } {
  const store = deployedStoreConfig(env, readSstLinks(env));
  return connectRegistry(new Registry(createBlobStore(parseStoreUrl(store.url))));
}
