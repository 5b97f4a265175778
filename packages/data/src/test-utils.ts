/** Test helper of this package's tests (not exported): the DataError a call throws. */
import { expect } from 'vitest';
import { DataError } from './errors.ts';

/** Runs `fn` and returns the DataError it throws; fails the test when it throws something else or nothing. */
export function errorOf(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}
