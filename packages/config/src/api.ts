/** The API's settings (packages/api: the API Lambda and `medslim serve`). */
import { corsOrigins } from './cors.ts';
import { ConfigError } from './errors.ts';
import { LINK } from './links.ts';
import { readInt, readString, type Env } from './read.ts';
import { linkString, type SstLinks } from './sst-links.ts';
import type { StoreConfig } from './store.ts';

/** Shortest admin key accepted, as @medslim/registry's `MIN_KEY_LENGTH`. */
export const MIN_ADMIN_KEY_LENGTH = 20;

/** The API's settings. */
export interface ApiConfig {
  /** Interface `medslim serve` listens on, `MEDSLIM_HOST`. Default 127.0.0.1. */
  host: string;
  /** Port, `MEDSLIM_PORT` (0 picks a free one). Default 8787. */
  port: number;
  /** The admin key to register: `MEDSLIM_ADMIN_KEY`, else the SST secret `AdminKey`. Undefined: none configured (`medslim serve` then creates and prints one). */
  adminKey: string | undefined;
  /** Largest upload through the API, bytes, `MEDSLIM_MAX_UPLOAD_BYTES`. Default 512 MiB. */
  maxUploadBytes: number;
  /** Answer downloads with presigned-URL redirects: true on S3 (Lambda responses stop at 6 MB). */
  redirectDownloads: boolean;
  /** Browser origins allowed (CORS), `MEDSLIM_CORS_ORIGINS`. Default `*` (see `corsOrigins`). */
  corsOrigins: string[] | '*';
}

/** @throws ConfigError naming the variable when one is malformed or the admin key is too short. */
export function apiConfig(env: Env, links: SstLinks, store: StoreConfig): ApiConfig {
  const fromEnv = env.MEDSLIM_ADMIN_KEY;
  const adminKey = fromEnv !== undefined && fromEnv !== '' ? fromEnv : links[LINK.adminKey] !== undefined ? linkString(links, LINK.adminKey, 'value') : undefined;
  if (adminKey !== undefined && adminKey.length < MIN_ADMIN_KEY_LENGTH) {
    const where = fromEnv ? 'MEDSLIM_ADMIN_KEY' : `SST link ${LINK.adminKey}.value`;
    throw new ConfigError(where, `${where} must be at least ${MIN_ADMIN_KEY_LENGTH} characters (got ${adminKey.length})`);
  }
  return {
    host: readString(env, 'MEDSLIM_HOST') ?? '127.0.0.1',
    port: readInt(env, 'MEDSLIM_PORT', { min: 0, max: 65535 }) ?? 8787,
    adminKey,
    maxUploadBytes: readInt(env, 'MEDSLIM_MAX_UPLOAD_BYTES', { min: 1 }) ?? 512 * 1024 * 1024,
    redirectDownloads: store.kind === 's3',
    corsOrigins: corsOrigins(env),
  };
}
