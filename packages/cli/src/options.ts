import { UsageError } from './errors.ts';

/**
 * A numeric command-line option: absent → undefined; empty, not a number, or failing `check` → a UsageError
 * naming the flag, what it must be and what was given (e.g. `--epochs must be an integer ≥ 1; got 'abc'`).
 */
export function numberOption(v: string | undefined, name: string, check: (n: number) => boolean = () => true, what = 'a number'): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} must be ${what}; got '${v}'`);
  return n;
}

/** An integer option ≥ `min` (and below 2^53), as `numberOption`. */
export function intOption(v: string | undefined, name: string, min: number): number | undefined {
  return numberOption(v, name, (n) => Number.isSafeInteger(n) && n >= min, `an integer ≥ ${min} (and below 2^53)`);
}
