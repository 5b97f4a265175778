/**
 * Typed readers for environment variables. Unset and empty values read as `undefined` (so a
 * default applies); malformed ones throw a `ConfigError` naming the variable, the value and
 * what would be accepted.
 */
import { ConfigError } from './errors.ts';

/** The environment: `process.env` or a plain object in tests. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The trimmed value, or undefined when unset or blank. */
export function readString(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const v = raw.trim();
  return v === '' ? undefined : v;
}

/** A safe integer in [min, max]. */
export function readInt(env: Env, name: string, range: { min: number; max?: number }): number | undefined {
  const raw = readString(env, name);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (!/^[+-]?\d+$/.test(raw) || !Number.isSafeInteger(v) || v < range.min || v > max) {
    const want = range.max === undefined ? `an integer ≥ ${range.min}` : `an integer in ${range.min}…${range.max}`;
    throw new ConfigError(name, `${name} must be ${want} (got '${raw}')`);
  }
  return v;
}

/** A finite number ≥ min. `unit` only makes the message clearer ("USD", "MB"). */
export function readNumber(env: Env, name: string, range: { min: number; unit?: string }): number | undefined {
  const raw = readString(env, name);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < range.min) {
    throw new ConfigError(name, `${name} must be a number ≥ ${range.min}${range.unit ? ` in ${range.unit}` : ''} (got '${raw}')`);
  }
  return v;
}

/** One of `values`. */
export function readEnum<T extends string>(env: Env, name: string, values: readonly T[]): T | undefined {
  const raw = readString(env, name);
  if (raw === undefined) return undefined;
  if (!(values as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `${name} must be one of ${values.join(', ')} (got '${raw}')`);
  }
  return raw as T;
}
