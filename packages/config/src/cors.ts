/** Browser origins allowed to call the deployed functions (CORS). */
import { readString, type Env } from './read.ts';

/**
 * `MEDSLIM_CORS_ORIGINS`: comma-separated origins (e.g. the deployed console's URL) or `*`.
 * Default `*`: the deployed console is a static site on another origin, and bearer keys (no
 * cookies) make any origin safe to allow.
 */
export function corsOrigins(env: Env): string[] | '*' {
  const raw = readString(env, 'MEDSLIM_CORS_ORIGINS') ?? '*';
  return raw === '*' ? '*' : raw.split(',').map((o) => o.trim()).filter(Boolean);
}
