/**
 * Error type for everything that can go wrong while reading a dataset or
 * preparing model inputs.
 *
 * Every error carries a stable machine-readable `code` so callers (CLI, report
 * writer, tests) can branch on it without parsing text. Messages name the
 * field / key / split involved, give the numbers that disagree, and say how to
 * fix the problem. Messages never contain pixel values (they may contain label
 * values, shapes, sizes and keys).
 */

/** Stable codes for {@link DataError}. */
export type DataErrorCode =
  // .npy (NumPy NEP-1 format)
  | 'NPY_BAD_MAGIC'
  | 'NPY_BAD_VERSION'
  | 'NPY_BAD_HEADER'
  | 'NPY_FORTRAN_ORDER'
  | 'NPY_OBJECT_DTYPE'
  | 'NPY_BIG_ENDIAN'
  | 'NPY_UNSUPPORTED_DTYPE'
  | 'NPY_TRUNCATED'
  | 'NPY_HOST_BIG_ENDIAN'
  // .npz (zip of .npy files)
  | 'NOT_NPZ'
  | 'NPZ_CORRUPT'
  | 'NPZ_MISSING_KEY'
  | 'NPZ_TOO_LARGE'
  | 'FILE_READ_FAILED'
  // zip archives other than .npz (multi-file model uploads)
  | 'NOT_ZIP'
  | 'ZIP_CORRUPT'
  | 'ZIP_TOO_LARGE'
  // dataset contents
  | 'SHAPE_MISMATCH'
  | 'UNSUPPORTED_DTYPE'
  | 'BAD_LABELS'
  | 'LABEL_OUT_OF_RANGE'
  | 'NON_FINITE'
  | 'EMPTY_SPLIT'
  // contracts, options, arrays built in code
  | 'BAD_CONTRACT'
  | 'BAD_METADATA'
  | 'CHANNEL_MISMATCH'
  | 'BAD_ARRAY'
  | 'BAD_OPTION'
  | 'INDEX_OUT_OF_RANGE';

/**
 * The one error class thrown by `@medslim/data`.
 *
 * @example
 *   try { loadDataset(p) } catch (e) { if (e instanceof DataError && e.code === 'NPZ_MISSING_KEY') ... }
 */
export class DataError extends Error {
  /** Stable machine-readable reason, e.g. `'NPY_FORTRAN_ORDER'`. */
  readonly code: DataErrorCode;

  constructor(code: DataErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DataError';
    this.code = code;
  }
}

/** Format a shape the way NumPy prints it: `(3,)`, `(2, 28, 28)`, `()`. */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}
