import { toFloat16Bits } from './float16.ts';
/**
 * One table of ONNX tensor element types (TensorProto.DataType), in the spirit of ONNX Runtime's
 * `DataTypeMap`: the element size in bytes, the typed array that holds it, and the typed field of
 * TensorProto that carries it when `raw_data` is not used (onnx.proto comments on each field).
 */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;
export type DataTypeName = 'float32' | 'uint8' | 'int8' | 'uint16' | 'int16' | 'int32' | 'int64' | 'bool' | 'float16' | 'float64';

export type TypedArray =
  | Float32Array
  | Float64Array
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Int32Array
  | BigInt64Array;

interface DTypeInfo {
  readonly onnx: number;
  readonly name: DataTypeName;
  readonly bytes: number;
  /** The TensorProto field used when raw_data is empty. float16 is carried as uint16 bits in int32_data. */
  readonly field: 'floatData' | 'int32Data' | 'int64Data' | 'doubleData';
  readonly create: (n: number) => TypedArray;
  readonly view: (buf: ArrayBuffer, byteOffset: number, n: number) => TypedArray;
}

const table: DTypeInfo[] = [
  { onnx: 1, name: 'float32', bytes: 4, field: 'floatData', create: (n) => new Float32Array(n), view: (b, o, n) => new Float32Array(b, o, n) },
  { onnx: 2, name: 'uint8', bytes: 1, field: 'int32Data', create: (n) => new Uint8Array(n), view: (b, o, n) => new Uint8Array(b, o, n) },
  { onnx: 3, name: 'int8', bytes: 1, field: 'int32Data', create: (n) => new Int8Array(n), view: (b, o, n) => new Int8Array(b, o, n) },
  { onnx: 4, name: 'uint16', bytes: 2, field: 'int32Data', create: (n) => new Uint16Array(n), view: (b, o, n) => new Uint16Array(b, o, n) },
  { onnx: 5, name: 'int16', bytes: 2, field: 'int32Data', create: (n) => new Int16Array(n), view: (b, o, n) => new Int16Array(b, o, n) },
  { onnx: 6, name: 'int32', bytes: 4, field: 'int32Data', create: (n) => new Int32Array(n), view: (b, o, n) => new Int32Array(b, o, n) },
  { onnx: 7, name: 'int64', bytes: 8, field: 'int64Data', create: (n) => new BigInt64Array(n), view: (b, o, n) => new BigInt64Array(b, o, n) },
  { onnx: 9, name: 'bool', bytes: 1, field: 'int32Data', create: (n) => new Uint8Array(n), view: (b, o, n) => new Uint8Array(b, o, n) },
  { onnx: 10, name: 'float16', bytes: 2, field: 'int32Data', create: (n) => new Uint16Array(n), view: (b, o, n) => new Uint16Array(b, o, n) },
  { onnx: 11, name: 'float64', bytes: 8, field: 'doubleData', create: (n) => new Float64Array(n), view: (b, o, n) => new Float64Array(b, o, n) },
];

const byOnnx = new Map(table.map((t) => [t.onnx, t]));
const byName = new Map(table.map((t) => [t.name, t]));

/** Looks up an element type by its ONNX enum value; undefined for types medslim does not handle (string, complex, bfloat16). */
export function dtypeFromOnnx(elemType: number): DTypeInfo | undefined {
  return byOnnx.get(elemType);
}

/** Looks up an element type by medslim's name (`float32`, `int8`, …). */
export function dtypeFromName(name: DataTypeName): DTypeInfo {
  const info = byName.get(name);
  if (!info) throw new TypeError(`unknown dtype '${name}'`);
  return info;
}

/** Human-readable name of an ONNX elem type, e.g. 1 → 'float32', 8 → 'string(8)'. */
export function elemTypeName(elemType: number): string {
  return byOnnx.get(elemType)?.name ?? `type(${elemType})`;
}

/**
 * Float32 values in the element type `name` as ONNX Runtime takes it: float64 widened, float16 as its IEEE bits in a
 * Uint16Array, integer types rounded to the nearest integer (uint8 also clamped to [0, 255]), int64 as BigInt64Array.
 * float32 is returned as it is (not copied). Used to feed a model's input of any of these types.
 */
export function fromFloat32(name: 'float32' | 'float64' | 'float16' | 'uint8' | 'int32' | 'int64', x: Float32Array): Float32Array | Float64Array | Uint16Array | Uint8Array | Int32Array | BigInt64Array {
  switch (name) {
    case 'float32': return x;
    case 'float64': return Float64Array.from(x);
    case 'float16': { const out = new Uint16Array(x.length); for (let i = 0; i < x.length; i++) out[i] = toFloat16Bits(x[i]); return out; }
    case 'uint8': { const out = new Uint8Array(x.length); for (let i = 0; i < x.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(x[i]))); return out; }
    case 'int32': { const out = new Int32Array(x.length); for (let i = 0; i < x.length; i++) out[i] = Math.round(x[i]); return out; }
    case 'int64': { const out = new BigInt64Array(x.length); for (let i = 0; i < x.length; i++) out[i] = BigInt(Math.round(x[i])); return out; }
  }
}
