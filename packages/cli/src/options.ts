import { parseArgs, type ParseArgsConfig } from 'node:util';
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

/** parseArgs option specs (`{ type: 'string' | 'boolean', short? }` by long name). */
type FlagOptions = NonNullable<ParseArgsConfig['options']>;
/** The values parseArgs returns for `O`: a string or a boolean per flag given. */
export type FlagValues<O extends FlagOptions> = { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : string };

/**
 * A command's flags: node:util `parseArgs` of `options` plus `--help`/`-h`, no positionals. For --help, prints
 * `usage` and returns null (the command exits 0); a flag of `required` missing or empty is a UsageError naming it,
 * followed by `usage` (exit 2), as are unknown flags (parseArgs' own errors, see main.ts).
 */
export function commandFlags<const O extends FlagOptions, const R extends keyof O & string = never>(argv: string[], usage: string, out: (s: string) => void, options: O, required: readonly R[] = []): (FlagValues<O> & { [K in R]: string }) | null {
  const { values } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: false }) as { values: FlagValues<O> & { help?: boolean } };
  if (values.help) {
    out(usage + '\n');
    return null;
  }
  for (const f of required) if (!values[f]) throw new UsageError(`--${f} is required\n${usage}`);
  return values as FlagValues<O> & { [K in R]: string };
}
