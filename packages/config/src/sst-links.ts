/**
 * SST `Resource` links, read the way SST v3's own `Resource` object reads them, without importing
 * the `sst` package:
 * - `SST_RESOURCES_JSON`: every link as one JSON object;
 * - `SST_RESOURCE_<Name>`: one JSON object per link (`sst dev`, `sst shell`, and `App` in Lambda);
 * - `SST_KEY` + `SST_KEY_FILE`: deployed Lambda functions get their links encrypted in a file
 *   (`resource.enc`, relative to the working directory `/var/task`), AES-256-GCM with the base64
 *   key in `SST_KEY`, a zero 12-byte nonce and the 16-byte tag at the end.
 * Later sources override earlier ones, as in SST.
 */
import { createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.ts';
import type { Env } from './read.ts';

/** Each link's properties by link name: what `Resource.<Name>` returns in a linked function. */
export type SstLinks = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

const PREFIX = 'SST_RESOURCE_';

/** All SST links visible in `env`. @throws ConfigError naming the variable that holds bad JSON or a bad key file. */
export function readSstLinks(env: Env, readFile: (path: string) => Uint8Array = readFileSync): SstLinks {
  const links: Record<string, Record<string, unknown>> = {};
  const json = env.SST_RESOURCES_JSON;
  if (json) Object.assign(links, parseObject('SST_RESOURCES_JSON', json));
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(PREFIX) && value) links[key.slice(PREFIX.length)] = parseObject(key, value);
  }
  if (env.SST_KEY && env.SST_KEY_FILE) Object.assign(links, decryptKeyFile(env.SST_KEY, env.SST_KEY_FILE, readFile));
  return links;
}

/** A string property of a link, or undefined when the link is absent. @throws ConfigError when the link exists but the property is not a non-empty string. */
export function linkString(links: SstLinks, name: string, property: string): string | undefined {
  const link = links[name];
  if (link === undefined) return undefined;
  const v = link[property];
  if (typeof v !== 'string' || v === '') {
    throw new ConfigError(`SST link ${name}.${property}`, `SST link ${name} has no string '${property}' (got ${JSON.stringify(v)}); is ${name} the right component in sst.config.ts?`);
  }
  return v;
}

function parseObject(variable: string, text: string): Record<string, Record<string, unknown>> & Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(variable, `${variable} is not JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(variable, `${variable} must be a JSON object`);
  return v as Record<string, Record<string, unknown>>;
}

function decryptKeyFile(keyBase64: string, file: string, readFile: (path: string) => Uint8Array): Record<string, Record<string, unknown>> {
  let data: Buffer;
  try {
    data = Buffer.from(readFile(file));
  } catch (e) {
    throw new ConfigError('SST_KEY_FILE', `SST_KEY_FILE=${file} cannot be read (${(e as Error).message}); SST writes it next to the function's handler`);
  }
  const key = Buffer.from(keyBase64, 'base64');
  if (key.length !== 32) throw new ConfigError('SST_KEY', `SST_KEY must be a base64 AES-256 key (32 bytes); got ${key.length} bytes`);
  if (data.length < 16) throw new ConfigError('SST_KEY_FILE', `SST_KEY_FILE=${file} is too short (${data.length} bytes) to hold SST links`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.alloc(12, 0));
    decipher.setAuthTag(data.subarray(data.length - 16));
    const plain = Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]);
    return parseObject('SST_KEY_FILE', plain.toString('utf8'));
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError('SST_KEY', `SST_KEY does not decrypt SST_KEY_FILE=${file} (${(e as Error).message}); the key and the file come from different deploys`);
  }
}
