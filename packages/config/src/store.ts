/** Where blobs live: the S3 bucket on AWS, a directory locally. */
import { join } from 'node:path';
import { ConfigError } from './errors.ts';
import { LINK } from './links.ts';
import { readString, type Env } from './read.ts';
import { linkString, type SstLinks } from './sst-links.ts';

/**
 * The blob store. `url` is the same store as one string (`s3://bucket/prefix` or `fs:<dir>`), the
 * form `parseStoreUrl` of @medslim/registry and `MEDSLIM_STORE` take. `source` says where it came from.
 */
export type StoreConfig =
  | { kind: 's3'; bucket: string; prefix: string; region?: string; endpoint?: string; url: string; source: string }
  | { kind: 'fs'; dir: string; url: string; source: string };

/**
 * The store, from the first of:
 * 1. `MEDSLIM_STORE` — `s3://bucket/prefix?region=…&endpoint=…` or `fs:<dir>` (an explicit override);
 * 2. `MEDSLIM_BUCKET` (+ `MEDSLIM_PREFIX`, default none) — an S3 bucket by name;
 * 3. the SST link `Store` (`Resource.Store.name`, + `MEDSLIM_PREFIX`) — a deployed function;
 * 4. the local default: `<MEDSLIM_DATA_DIR or .medslim>/store`, the layout of `medslim serve --data-dir`.
 * @throws ConfigError naming the variable when MEDSLIM_STORE is malformed.
 */
export function storeConfig(env: Env, links: SstLinks): StoreConfig {
  const url = readString(env, 'MEDSLIM_STORE');
  if (url !== undefined) return parseStore(url);
  const prefix = (readString(env, 'MEDSLIM_PREFIX') ?? '').replace(/^\/+|\/+$/g, '');
  const bucket = readString(env, 'MEDSLIM_BUCKET');
  if (bucket !== undefined) return s3(bucket, prefix, 'MEDSLIM_BUCKET');
  const linked = linkString(links, LINK.store, 'name');
  if (linked !== undefined) return s3(linked, prefix, `SST link ${LINK.store}`);
  const dir = join(readString(env, 'MEDSLIM_DATA_DIR') ?? '.medslim', 'store');
  return { kind: 'fs', dir, url: `fs:${dir}`, source: env.MEDSLIM_DATA_DIR ? 'MEDSLIM_DATA_DIR' : 'default' };
}

/**
 * The store of a deployed function (the API and inference Lambdas): as `storeConfig`, but never the
 * local default — a function that silently wrote to its own temporary disk would lose every upload.
 * @throws ConfigError naming MEDSLIM_STORE when neither it, MEDSLIM_BUCKET nor the SST link names a store.
 */
export function deployedStoreConfig(env: Env, links: SstLinks): StoreConfig {
  const store = storeConfig(env, links);
  if (store.kind === 'fs' && store.source !== 'MEDSLIM_STORE') {
    throw new ConfigError('MEDSLIM_STORE', `MEDSLIM_STORE is not set (nor MEDSLIM_BUCKET or the SST link ${LINK.store}): point it at the registry store, e.g. s3://my-bucket/medslim or fs:/var/lib/medslim/store`);
  }
  return store;
}

function s3(bucket: string, prefix: string, source: string): StoreConfig {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new ConfigError(source, `${source}: '${bucket}' is not an S3 bucket name (3–63 lowercase letters, digits, '.' and '-')`);
  }
  return { kind: 's3', bucket, prefix, url: `s3://${bucket}${prefix ? `/${prefix}` : ''}`, source };
}

function parseStore(url: string): StoreConfig {
  if (url.startsWith('s3://')) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new ConfigError('MEDSLIM_STORE', `MEDSLIM_STORE='${url}' is not a URL (use s3://bucket/prefix or fs:<dir>)`);
    }
    if (!u.hostname) throw new ConfigError('MEDSLIM_STORE', `MEDSLIM_STORE='${url}' has no bucket (use s3://bucket/prefix)`);
    const region = u.searchParams.get('region') ?? undefined;
    const endpoint = u.searchParams.get('endpoint') ?? undefined;
    return {
      kind: 's3',
      bucket: u.hostname,
      prefix: decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, '')),
      ...(region ? { region } : {}),
      ...(endpoint ? { endpoint } : {}),
      url,
      source: 'MEDSLIM_STORE',
    };
  }
  const dir = url.startsWith('fs:') ? url.slice(3) : url;
  if (dir === '') throw new ConfigError('MEDSLIM_STORE', `MEDSLIM_STORE='${url}' names no directory (use fs:<dir>)`);
  return { kind: 'fs', dir, url: `fs:${dir}`, source: 'MEDSLIM_STORE' };
}
