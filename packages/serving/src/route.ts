/**
 * Alias routing: an alias with weighted targets (a canary, e.g. 90 % v3 / 10 % v4) sends each
 * request to one version. With an `X-Request-Id` the choice is a pure function of the id, so every
 * retry of one request reaches the same version; without one it is a random draw.
 */
import { createHash } from 'node:crypto';

/** One target of an alias: a version and its share of traffic (weights ≥ 0 summing to 1). */
export interface RouteTarget {
  readonly version: number;
  readonly weight: number;
}

/**
 * A request id → a uniform number in [0, 1): the first 48 bits of SHA-256(UTF-8 id) / 2^48.
 * Platform-independent and stable across releases (the console can predict where an id goes).
 */
export function hashToUnit(requestId: string): number {
  const d = createHash('sha256').update(requestId, 'utf8').digest();
  return d.readUIntBE(0, 6) / 2 ** 48;
}

/**
 * The salt of one alias's rollout: `tenant/model/alias`. Routing hashes `salt + NUL + request id`, so one
 * request id lands in independent quantiles of different models' (and aliases') rollouts — without it, the
 * ids in the first 10 % of one canary would be the first 10 % of every canary.
 */
export function routeSalt(tenant: string, model: string, alias: string): string {
  return `${tenant}/${model}/${alias}`;
}

/**
 * Pick the version for one request: u = `hashToUnit(salt + NUL + requestId)` (or `random()` without an id), then
 * the first target whose cumulative weight exceeds u. Targets are walked in the given order (the
 * registry keeps them sorted by version). Weights need not be normalized: u is scaled by their sum.
 * Targets with weight 0 are never chosen. Sources pass `routeSalt(tenant, model, alias)` as `salt`.
 * @throws Error when `targets` is empty or no weight is > 0.
 */
export function routeAlias(targets: readonly RouteTarget[], requestId?: string | null, random: () => number = Math.random, salt = ''): number {
  if (targets.length === 1) return targets[0].version;
  let sum = 0;
  for (const t of targets) sum += t.weight > 0 ? t.weight : 0;
  if (!(sum > 0)) throw new Error(`an alias needs at least one target with weight > 0 (got ${targets.length} targets)`);
  const u = (requestId ? hashToUnit(salt ? `${salt}\u0000${requestId}` : requestId) : random()) * sum;
  let cum = 0;
  let last = targets[0].version;
  for (const t of targets) {
    if (!(t.weight > 0)) continue;
    cum += t.weight;
    last = t.version;
    if (u < cum) return t.version;
  }
  return last; // u within rounding of the total
}
