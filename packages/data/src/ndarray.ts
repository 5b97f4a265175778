/**
 * The in-memory n-dimensional array used throughout `@medslim/data`:
 * a dtype tag, a C-order (row-major) shape and a flat typed array.
 */
import { DataError, formatShape } from './errors.ts';

/** Element types this package can read and write. */
export type DType =
  | 'bool'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'uint32'
  | 'int32'
  | 'int64'
  | 'uint64'
  | 'float32'
  | 'float64';

/** The typed array that stores each dtype (`bool` is one byte per element, 0 or 1). */
export interface TypedArrayOf {
  bool: Uint8Array;
  uint8: Uint8Array;
  int8: Int8Array;
  uint16: Uint16Array;
  int16: Int16Array;
  uint32: Uint32Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint64: BigUint64Array;
  float32: Float32Array;
  float64: Float64Array;
}

/** Any typed array an {@link NdArray} may hold. */
export type TypedArray = TypedArrayOf[DType];

/** An array of one specific dtype. */
export interface NdArrayOf<D extends DType> {
  /** Element type. */
  readonly dtype: D;
  /** Dimensions in C (row-major) order; `[]` for a scalar. */
  readonly shape: readonly number[];
  /** Flat row-major elements; `data.length === product(shape)`. */
  readonly data: TypedArrayOf[D];
}

/**
 * A C-order n-dimensional array. A union discriminated on `dtype`, so
 * `if (a.dtype === 'uint8') a.data` is typed `Uint8Array`.
 */
export type NdArray = { [D in DType]: NdArrayOf<D> }[DType];

type Ctor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray; new (length: number): TypedArray };

/** Per-dtype facts: element size in bytes, NumPy type code, typed-array constructor. */
export const DTYPES: Readonly<Record<DType, { itemsize: number; kind: 'b' | 'u' | 'i' | 'f'; ctor: Ctor }>> = {
  bool: { itemsize: 1, kind: 'b', ctor: Uint8Array as unknown as Ctor },
  uint8: { itemsize: 1, kind: 'u', ctor: Uint8Array as unknown as Ctor },
  int8: { itemsize: 1, kind: 'i', ctor: Int8Array as unknown as Ctor },
  uint16: { itemsize: 2, kind: 'u', ctor: Uint16Array as unknown as Ctor },
  int16: { itemsize: 2, kind: 'i', ctor: Int16Array as unknown as Ctor },
  uint32: { itemsize: 4, kind: 'u', ctor: Uint32Array as unknown as Ctor },
  int32: { itemsize: 4, kind: 'i', ctor: Int32Array as unknown as Ctor },
  int64: { itemsize: 8, kind: 'i', ctor: BigInt64Array as unknown as Ctor },
  uint64: { itemsize: 8, kind: 'u', ctor: BigUint64Array as unknown as Ctor },
  float32: { itemsize: 4, kind: 'f', ctor: Float32Array as unknown as Ctor },
  float64: { itemsize: 8, kind: 'f', ctor: Float64Array as unknown as Ctor },
};

/**
 * Number of elements for a shape (1 for the scalar shape `[]`).
 * @throws DataError 'BAD_ARRAY' if a dimension is not a non-negative integer
 *   or the product is not a safe integer.
 */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new DataError('BAD_ARRAY', `shape ${formatShape(shape)} has an invalid dimension ${d} at axis ${i}; dimensions must be non-negative integers.`);
    }
    n *= d;
  }
  if (!Number.isSafeInteger(n)) {
    throw new DataError('BAD_ARRAY', `shape ${formatShape(shape)} has ${n} elements, more than can be addressed.`);
  }
  return n;
}

/**
 * Build an {@link NdArray}, checking that `data` is the right typed array for
 * `dtype` and that `data.length === product(shape)`.
 * @throws DataError 'BAD_ARRAY' on a dtype/data or length/shape mismatch.
 */
export function ndarray<D extends DType>(dtype: D, shape: readonly number[], data: TypedArrayOf[D]): NdArrayOf<D> {
  const info = DTYPES[dtype];
  if (info === undefined) {
    throw new DataError('BAD_ARRAY', `unknown dtype '${String(dtype)}'; use one of ${Object.keys(DTYPES).join(', ')}.`);
  }
  if (!(data instanceof (info.ctor as unknown as typeof Uint8Array))) {
    throw new DataError('BAD_ARRAY', `dtype '${dtype}' needs a ${info.ctor.name}, got ${data?.constructor?.name ?? typeof data}.`);
  }
  const n = elementCount(shape);
  if (data.length !== n) {
    throw new DataError('BAD_ARRAY', `shape ${formatShape(shape)} needs ${n} elements but data has ${data.length}.`);
  }
  return { dtype, shape: [...shape], data };
}
