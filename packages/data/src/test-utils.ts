/** Test helper of this package's tests (not exported): the DataError a call throws. */
import { thrownBy } from '../../../tests/helpers/thrown.ts';
import { DataError } from './errors.ts';

/** Runs `fn` and returns the DataError it throws; fails the test when it throws something else or nothing. */
export const errorOf = (fn: () => unknown): DataError => thrownBy(DataError, fn);
