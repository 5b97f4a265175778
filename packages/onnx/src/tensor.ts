import { dtypeFromName, dtypeFromOnnx, elemTypeName, type DataTypeName, type TypedArray } from './dtype.ts';
import { OnnxError } from './errors.ts';
import { int64ToNumber, onnx, type Int64, type TensorProto } from './proto.ts';

/** A dense tensor as medslim handles it: row-major (C order) data with its dims. */
export interface NdTensor {
  readonly dtype: DataTypeName;
  readonly dims: readonly number[];
  readonly data: TypedArray;
}

/** Product of dims; 1 for a scalar ([]). */
export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** The dims of a TensorProto as numbers. */
export function tensorDims(t: TensorProto): number[] {
  return (t.dims ?? []).map((d) => int64ToNumber(d as Int64));
}

/**
 * Reads a TensorProto's values into a typed array (a copy, aligned, little-endian as ONNX stores them).
 * Accepts `raw_data` and the typed fields (`float_data`, `int32_data`, `int64_data`, `double_data`);
 * float16 comes back as Uint16Array bits (see `fromFloat16Bits`).
 * @throws OnnxError EXTERNAL_DATA when the tensor's data still lives in an external file (a model decoded from
 *   bytes: read it by path, or resolve it with inlineExternalData first), UNSUPPORTED_DTYPE for string/complex/bfloat16, BAD_TENSOR when
 *   the data length disagrees with the dims.
 * Spec: onnx.proto TensorProto.
 */
export function tensorToArray(t: TensorProto): NdTensor {
  const name = t.name ?? '<unnamed>';
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData && t.externalData.length > 0)) {
    throw new OnnxError(
      'EXTERNAL_DATA',
      `tensor '${name}' stores its data in an external file that was not read in; ` +
        `pass the model by its path with its .data file beside it, upload both files together (or one zip), ` +
        `or save the model with all tensors inside the .onnx file (onnx.save_model(m, path, save_as_external_data=False)).`,
    );
  }
  const info = dtypeFromOnnx(t.dataType ?? 0);
  if (!info) {
    throw new OnnxError('UNSUPPORTED_DTYPE', `tensor '${name}' has element type ${elemTypeName(t.dataType ?? 0)}, which medslim does not handle`);
  }
  const dims = tensorDims(t);
  const n = sizeOf(dims);
  const raw = t.rawData;
  let data: TypedArray;
  if (raw && raw.byteLength > 0) {
    if (raw.byteLength !== n * info.bytes) {
      throw new OnnxError('BAD_TENSOR', `tensor '${name}' has ${raw.byteLength} bytes of raw_data but dims [${dims}] of ${info.name} need ${n * info.bytes}`);
    }
    const copy = new Uint8Array(raw.byteLength);
    copy.set(raw);
    data = info.view(copy.buffer, 0, n);
  } else {
    data = info.create(n);
    const src = (t[info.field] ?? []) as ArrayLike<number | Int64>;
    if (src.length !== n) {
      throw new OnnxError('BAD_TENSOR', `tensor '${name}' has ${src.length} values in ${info.field} but dims [${dims}] need ${n}`);
    }
    if (data instanceof BigInt64Array) {
      for (let i = 0; i < n; i++) data[i] = BigInt(int64ToNumber(src[i] as Int64));
    } else {
      for (let i = 0; i < n; i++) (data as Float32Array)[i] = src[i] as number;
    }
  }
  return { dtype: info.name, dims, data };
}

/**
 * Builds a TensorProto that stores `data` as `raw_data` (little-endian, the layout every runtime reads fastest).
 * @throws OnnxError BAD_TENSOR when data.length ≠ product(dims) or the typed array does not match dtype.
 */
export function arrayToTensor(name: string, dtype: DataTypeName, dims: readonly number[], data: TypedArray): TensorProto {
  const info = dtypeFromName(dtype);
  const n = sizeOf(dims);
  if (data.length !== n) throw new OnnxError('BAD_TENSOR', `tensor '${name}': ${data.length} values for dims [${dims}] (need ${n})`);
  if (data.BYTES_PER_ELEMENT !== info.bytes) {
    throw new OnnxError('BAD_TENSOR', `tensor '${name}': a ${data.constructor.name} cannot hold ${dtype}`);
  }
  return onnx.TensorProto.create({
    name,
    dataType: info.onnx,
    dims: [...dims],
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}

/** Reads a float32 (or float16/float64) TensorProto as Float32Array. @throws OnnxError BAD_TENSOR for integer tensors. */
export function tensorToFloat32(t: TensorProto): { dims: number[]; data: Float32Array } {
  const a = tensorToArray(t);
  if (a.dtype === 'float32') return { dims: [...a.dims], data: a.data as Float32Array };
  if (a.dtype === 'float64') return { dims: [...a.dims], data: Float32Array.from(a.data as Float64Array) };
  if (a.dtype === 'float16') {
    throw new OnnxError('BAD_TENSOR', `tensor '${t.name}' is float16; convert with fromFloat16Bits first`);
  }
  throw new OnnxError('BAD_TENSOR', `tensor '${t.name}' is ${a.dtype}, expected a floating-point tensor`);
}

/** Bytes the tensor's values occupy (element size × count), whatever field holds them. */
export function tensorByteSize(t: TensorProto): number {
  const info = dtypeFromOnnx(t.dataType ?? 0);
  return info ? info.bytes * sizeOf(tensorDims(t)) : t.rawData?.byteLength ?? 0;
}
