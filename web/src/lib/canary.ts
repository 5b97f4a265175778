/** Canary arithmetic of the rollout page: alias targets from a slider and back. */
import type { Target } from './types.ts';

/** Largest canary share the slider offers, in percent (a larger one is a promotion). */
export const MAX_CANARY_PERCENT = 50;

/**
 * Alias targets that send `percent` % of the traffic to `canary` and the rest to `stable`.
 * Weights are hundredths, so they sum to 1 within the API's 1e-9 tolerance.
 * @example canaryTargets(1, 2, 20) // [{version: 1, weight: 0.8}, {version: 2, weight: 0.2}]
 * @throws RangeError for a percent outside 0…100 or equal versions with a split
 */
export function canaryTargets(stable: number, canary: number, percent: number): Target[] {
  if (!(percent >= 0 && percent <= 100)) throw new RangeError(`canary percent must be within 0…100; got ${percent}`);
  const p = Math.round(percent * 100) / 100;
  if (p === 0) return [{ version: stable, weight: 1 }];
  if (p === 100) return [{ version: canary, weight: 1 }];
  if (stable === canary) throw new RangeError(`the canary must be another version than the stable one (both v${stable})`);
  return [
    { version: stable, weight: (100 - p) / 100 },
    { version: canary, weight: p / 100 },
  ];
}

/** An alias's split: the heaviest target is the stable version, the next one (if any) the canary. */
export interface Split {
  stable: number;
  canary: number | null;
  /** Canary share, percent. */
  percent: number;
}

/** Read a split from alias targets; null for none. */
export function splitOf(targets: readonly Target[] | null | undefined): Split | null {
  if (!targets || targets.length === 0) return null;
  const sorted = [...targets].sort((a, b) => b.weight - a.weight || a.version - b.version);
  const [stable, canary] = sorted;
  return { stable: stable.version, canary: canary?.version ?? null, percent: canary ? Math.round(canary.weight * 10000) / 100 : 0 };
}

/** Same versions with the same weights, in any order. */
export function sameTargets(a: readonly Target[] | null | undefined, b: readonly Target[] | null | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  const key = (t: readonly Target[]) => [...t].sort((x, y) => x.version - y.version).map((x) => `${x.version}:${x.weight.toFixed(6)}`).join(',');
  return key(a) === key(b);
}
