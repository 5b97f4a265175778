/**
 * Read and write single arrays in the NumPy `.npy` format (NumPy NEP-1,
 * format versions 1.0, 2.0 and 3.0).
 *
 * Layout of a .npy file:
 *   bytes 0-5   magic `\x93NUMPY`
 *   byte  6-7   major, minor version
 *   v1.0:       u16 little-endian header length, then a latin-1 header
 *   v2.0:       u32 little-endian header length, then a latin-1 header
 *   v3.0:       u32 little-endian header length, then a UTF-8 header
 *   then the raw elements in C order.
 */
import { DataError, formatShape } from './errors.ts';
import { DTYPES, elementCount, ndarray, type DType, type NdArray, type TypedArray } from './ndarray.ts';
import { parseNpyHeader, type PyValue } from './npy-header.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** NumPy type codes (kind + itemsize) → dtype. */
const CODE_TO_DTYPE: Readonly<Record<string, DType>> = {
  b1: 'bool',
  u1: 'uint8',
  i1: 'int8',
  u2: 'uint16',
  i2: 'int16',
  u4: 'uint32',
  i4: 'int32',
  u8: 'uint64',
  i8: 'int64',
  f4: 'float32',
  f8: 'float64',
};

const SUPPORTED = "'|b1', '|u1', '|i1', '<u2', '<i2', '<u4', '<i4', '<u8', '<i8', '<f4', '<f8'";

/** What a .npy file's preamble and header say, before any element is read. */
export interface NpyPreamble {
  /** Byte offset of the first element. */
  dataStart: number;
  dtype: DType;
  shape: number[];
  /** Elements: product(shape). */
  count: number;
  /** Data bytes the header declares: count × itemsize. */
  nbytes: number;
}

/**
 * Read the magic, version and header of a .npy file — all of it that is needed to know the
 * array's size (`dataStart + nbytes`) before reading or inflating the data. `bytes` may be just the
 * file's first bytes (a prefix long enough to hold the header).
 * @throws DataError as `parseNpy`, except 'NPY_TRUNCATED' for short data.
 */
export function readNpyPreamble(bytes: Uint8Array, name = 'array.npy'): NpyPreamble {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    const hint =
      bytes[0] === 0x50 && bytes[1] === 0x4b ? ' It looks like a zip archive (.npz); use loadNpz instead.' : ' Re-save the array with numpy.save.';
    throw new DataError('NPY_BAD_MAGIC', `'${name}' is not a NumPy .npy file: it does not start with the magic string \\x93NUMPY (${bytes.length} bytes).${hint}`);
  }
  const major = bytes[6];
  const minor = bytes[7];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLen: number;
  if (major === 1) {
    headerStart = 10;
    headerLen = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw truncated(name, `the ${major}.${minor} preamble needs 12 bytes but the file has ${bytes.length}`);
    headerStart = 12;
    headerLen = view.getUint32(8, true);
  } else {
    throw new DataError('NPY_BAD_VERSION', `'${name}' uses .npy format version ${major}.${minor}; only versions 1.0, 2.0 and 3.0 are supported. Re-save it with numpy.save.`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) {
    throw truncated(name, `the header declares ${headerLen} bytes but only ${bytes.length - headerStart} follow the preamble`);
  }
  const headerBytes = bytes.subarray(headerStart, dataStart);
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    } catch (cause) {
      throw new DataError('NPY_BAD_HEADER', `'${name}': the version 3.0 header is not valid UTF-8. Re-save the array with numpy.save.`, { cause });
    }
  } else {
    text = latin1(headerBytes);
  }
  const header = parseNpyHeader(text, name);
  if (header.fortranOrder) {
    throw new DataError(
      'NPY_FORTRAN_ORDER',
      `'${name}' is stored in Fortran (column-major) order (fortran_order: True, shape ${formatShape(header.shape)}); only C order is supported. Re-save it with numpy.save(f, numpy.ascontiguousarray(a)).`,
    );
  }
  const dtype = dtypeFromDescr(header.descr, name);
  const info = DTYPES[dtype];
  const count = elementCount(header.shape);
  const nbytes = count * info.itemsize;
  return { dataStart, dtype, shape: header.shape, count, nbytes };
}

/**
 * Parse a `.npy` file (NumPy NEP-1 format, versions 1.0, 2.0 and 3.0).
 *
 * The result has the file's shape in C order (e.g. images `[N, H, W]` stay
 * NHW(C)); no layout change or value conversion happens here. dtype mapping:
 * `|b1`→bool (Uint8Array of 0/1), `|u1`→uint8, `|i1`→int8, `<u2`/`<i2`,
 * `<u4`/`<i4`, `<f4`→float32, `<f8`→float64 (kept as Float64Array, not
 * narrowed), `<i8`/`<u8`→int64/uint64 kept exactly as BigInt64Array /
 * BigUint64Array (convert e.g. labels with a range check downstream).
 * `=` (native) is read as little-endian.
 *
 * `data` is a zero-copy view into `bytes` when the data offset is aligned to
 * the element size, otherwise an aligned copy; do not mutate `bytes` afterwards
 * if you keep the array. Bytes after the last element are ignored.
 *
 * @param bytes the whole .npy file
 * @param name array name used in error messages (e.g. `'train_images.npy'`)
 * @throws DataError
 *   'NPY_BAD_MAGIC' (not a .npy file), 'NPY_BAD_VERSION' (not 1.x/2.x/3.x),
 *   'NPY_BAD_HEADER' (unparseable header dict), 'NPY_FORTRAN_ORDER'
 *   (`fortran_order: True`), 'NPY_OBJECT_DTYPE' (`|O`, i.e. pickled objects —
 *   never unpickled), 'NPY_BIG_ENDIAN' (`>` multi-byte dtypes),
 *   'NPY_UNSUPPORTED_DTYPE' (anything else not listed above),
 *   'NPY_TRUNCATED' (file shorter than header or than product(shape) × itemsize).
 */
export function parseNpy(bytes: Uint8Array, name = 'array.npy'): NdArray {
  const { dataStart, dtype, shape, count, nbytes } = readNpyPreamble(bytes, name);
  const info = DTYPES[dtype];
  const available = bytes.length - dataStart;
  if (available < nbytes) {
    throw truncated(name, `shape ${formatShape(shape)} of ${dtype} needs ${nbytes} data bytes but only ${available} are present`);
  }
  if (info.itemsize > 1 && !HOST_LITTLE_ENDIAN) {
    throw new DataError('NPY_HOST_BIG_ENDIAN', `'${name}': reading multi-byte dtypes on a big-endian host is not supported.`);
  }
  const absolute = bytes.byteOffset + dataStart;
  let data: TypedArray;
  if (absolute % info.itemsize === 0) {
    data = new info.ctor(bytes.buffer, absolute, count);
  } else {
    // A fresh, aligned copy (not `bytes.slice`: on a Node Buffer that is a view into the same memory).
    const copy = new Uint8Array(nbytes);
    copy.set(bytes.subarray(dataStart, dataStart + nbytes));
    data = new info.ctor(copy.buffer, 0, count);
  }
  return { dtype, shape, data } as NdArray;
}

/**
 * Serialize an array as a `.npy` file (NumPy NEP-1 format, version 1.0).
 *
 * Writes C order, little-endian descriptors (`|u1`, `<f4`, `<i8`, …). The
 * header is padded with spaces and terminated with `\n` so the data starts at
 * a multiple of 64 bytes, exactly as numpy.save does. Falls back to version 2.0
 * only if the header exceeds 65535 bytes (never for ordinary shapes).
 *
 * @param arr array with `data.length === product(shape)`
 * @returns the complete file bytes, readable by `numpy.load` and {@link parseNpy}
 * @throws DataError 'BAD_ARRAY' if `data` does not match `dtype` or `shape`.
 */
export function writeNpy(arr: NdArray): Uint8Array {
  ndarray(arr.dtype, arr.shape, arr.data as never); // validates dtype/shape/data
  const info = DTYPES[arr.dtype];
  const code = Object.keys(CODE_TO_DTYPE).find((k) => CODE_TO_DTYPE[k] === arr.dtype) as string;
  const descr = `${info.itemsize === 1 ? '|' : '<'}${code}`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${formatShape(arr.shape)}, }`;
  let major = 1;
  let preamble = 10;
  let total = preamble + dict.length + 1;
  let padded = Math.ceil(total / 64) * 64;
  if (padded - preamble > 0xffff) {
    major = 2;
    preamble = 12;
    total = preamble + dict.length + 1;
    padded = Math.ceil(total / 64) * 64;
  }
  const headerLen = padded - preamble;
  const header = dict + ' '.repeat(padded - total) + '\n';
  const data = arr.data;
  const out = new Uint8Array(padded + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, headerLen, true);
  else dv.setUint32(8, headerLen, true);
  for (let i = 0; i < header.length; i++) out[preamble + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), padded);
  return out;
}

function dtypeFromDescr(descr: PyValue, name: string): DType {
  if (typeof descr !== 'string') {
    throw new DataError(
      'NPY_UNSUPPORTED_DTYPE',
      `'${name}' has a structured (record) dtype; only plain numeric dtypes are supported (${SUPPORTED}). Save each field as its own array.`,
    );
  }
  const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  if (m && m[2] === 'O') {
    throw new DataError(
      'NPY_OBJECT_DTYPE',
      `'${name}' has object dtype '${descr}' (Python pickles), which is never loaded for safety. Save a numeric array instead, e.g. numpy.asarray(a, dtype=numpy.uint8).`,
    );
  }
  const dtype = m ? CODE_TO_DTYPE[`${m[2]}${m[3]}`] : undefined;
  if (!m || dtype === undefined) {
    throw new DataError('NPY_UNSUPPORTED_DTYPE', `'${name}' has dtype '${descr}', which is not supported; use one of ${SUPPORTED}.`);
  }
  if (m[1] === '>' && DTYPES[dtype].itemsize > 1) {
    throw new DataError(
      'NPY_BIG_ENDIAN',
      `'${name}' has big-endian dtype '${descr}'; only little-endian data is supported. Convert it with a.astype(a.dtype.newbyteorder('<')) and re-save.`,
    );
  }
  return dtype;
}

function truncated(name: string, why: string): DataError {
  return new DataError('NPY_TRUNCATED', `'${name}' is truncated: ${why}. The file is incomplete or corrupt; re-download or re-save it.`);
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}
