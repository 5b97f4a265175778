/** Test helper of this package's tests (not exported): the code of the EvalError a call throws. */
import type { EvalError } from './errors.ts';

/** The `code` of what `f` throws (sync) or what the promise rejects with; 'no error' when nothing is thrown. */
export function errorCode(f: () => unknown): string;
export function errorCode(p: Promise<unknown>): Promise<string>;
export function errorCode(f: (() => unknown) | Promise<unknown>): string | Promise<string> {
  if (f instanceof Promise) return f.then(() => 'no error', (e: unknown) => (e as EvalError).code);
  try {
    f();
  } catch (e) {
    return (e as EvalError).code;
  }
  return 'no error';
}
