/**
 * The ONNX protobuf messages (onnx.proto, IR version 8), as generated for protobufjs by the
 * `onnx-proto` package. Every other file of this package goes through these codecs.
 * Spec: https://github.com/onnx/onnx/blob/main/docs/IR.md
 */
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type ModelProto = onnxProto.onnx.IModelProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type OperatorSetIdProto = onnxProto.onnx.IOperatorSetIdProto;

/** An int64 field as decoded by protobufjs: a number, or a Long when `long` is installed. */
export type Int64 = number | { toNumber(): number; low: number; high: number; unsigned: boolean };

/**
 * Converts a protobuf int64 value to a JS number.
 * @throws RangeError when the value is outside ±2^53 (no ONNX dim or attribute of ours is).
 */
export function int64ToNumber(v: Int64 | null | undefined): number {
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'number' ? v : v.toNumber();
  if (!Number.isSafeInteger(n)) throw new RangeError(`int64 value ${n} is outside the safe integer range`);
  return n;
}
