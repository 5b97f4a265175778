/**
 * The ONNX protobuf messages: the official onnx.proto of ONNX 1.20 (IR version 13; generated into
 * ./schema/onnx.schema.json by scripts/gen-schema.ts) built into codecs by protobufjs. Every other file of this
 * package goes through these codecs.
 *
 * Unknown fields survive a decode → encode: a field number the schema does not know (a newer ONNX release, a
 * vendor extension) is kept as its raw wire bytes on the decoded message, under the symbol {@link UNKNOWN_FIELDS},
 * and written back after the known fields when the message is encoded. Fields are written in field-number order
 * with onnx.proto's own packing, so a model written by the reference (C++) protobuf re-encodes to the same bytes.
 * Spec: https://onnx.ai/onnx/repo-docs/IR.html, https://protobuf.dev/programming-guides/encoding/
 */
import protobuf from 'protobufjs';
import schema from './schema/onnx.schema.json' with { type: 'json' };
import type { Int64, OnnxSchema } from './schema/onnx-types.ts';

/** The messages under their onnx.proto names (the generated interfaces carry protobufjs's `I` prefix). */
export type {
  Int64, IModelProto as ModelProto, IGraphProto as GraphProto, INodeProto as NodeProto, ITensorProto as TensorProto,
  IAttributeProto as AttributeProto, IValueInfoProto as ValueInfoProto, IOperatorSetIdProto as OperatorSetIdProto, ITypeProto as TypeProto,
  ITensorShapeProto as TensorShapeProto, IStringStringEntryProto as StringStringEntryProto, IFunctionProto as FunctionProto,
} from './schema/onnx-types.ts';

/** Where a decoded message keeps the raw bytes (tag + value, in file order) of fields its schema does not know. */
export const UNKNOWN_FIELDS: unique symbol = Symbol.for('medslim.onnx.unknownFields');

type Raw = { [UNKNOWN_FIELDS]?: Uint8Array };
type PushWriter = protobuf.Writer & { _push(fn: (val: Uint8Array, buf: Uint8Array, pos: number) => void, len: number, val: Uint8Array): protobuf.Writer };

const writeRaw = (val: Uint8Array, buf: Uint8Array, pos: number) => buf.set(val, pos);

/** The bytes of the fields in buf[start, end) whose numbers are not in `known`, concatenated; undefined when none. */
function unknownFields(buf: Uint8Array, start: number, end: number, known: ReadonlySet<number>): Uint8Array | undefined {
  const r = protobuf.Reader.create(buf);
  r.pos = start;
  r.len = end;
  let parts: Uint8Array[] | undefined;
  while (r.pos < end) {
    const at = r.pos;
    const tag = r.uint32();
    r.skipType(tag & 7);
    if (!known.has(tag >>> 3)) (parts ??= []).push(buf.subarray(at, r.pos));
  }
  if (!parts) return undefined;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/** Wraps a protobufjs Type's generated decode/encode so unknown fields are kept (nested types call these too). */
function keepUnknownFields(type: protobuf.Type): void {
  const known = new Set(type.fieldsArray.map((f) => f.id));
  const decode = type.decode;
  const encode = type.encode;
  type.decode = function decodeKeepingUnknown(source: protobuf.Reader | Uint8Array, length?: number) {
    const reader = source instanceof protobuf.Reader ? source : protobuf.Reader.create(source);
    const start = reader.pos;
    const message = decode.call(type, reader, length) as protobuf.Message & Raw;
    const extra = unknownFields(reader.buf, start, reader.pos, known);
    if (extra) message[UNKNOWN_FIELDS] = extra;
    return message;
  };
  type.encode = function encodeKeepingUnknown(message: protobuf.Message | Record<string, unknown>, writer?: protobuf.Writer) {
    const w = encode.call(type, message, writer) as PushWriter;
    const extra = (message as Raw)[UNKNOWN_FIELDS];
    if (extra && extra.byteLength) w._push(writeRaw, extra.byteLength, extra);
    return w;
  };
}

/** A codec object per message (its nested messages and enums as properties), enum value maps for enums. */
function codecs(ns: protobuf.NamespaceBase): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of ns.nestedArray) {
    if (item instanceof protobuf.Enum) {
      out[item.name] = Object.freeze({ ...item.values });
    } else if (item instanceof protobuf.Type) {
      const t = item;
      out[t.name] = {
        decode: (source: Uint8Array | protobuf.Reader, length?: number) => t.decode(source, length),
        encode: (message: object, writer?: protobuf.Writer) => t.encode(message, writer),
        create: (properties?: object) => t.create(properties),
        ...codecs(t),
      };
    }
  }
  return out;
}

function build(): OnnxSchema {
  const root = protobuf.Root.fromJSON(schema as protobuf.INamespace);
  root.resolveAll();
  if (typeof (protobuf.Writer.prototype as Partial<PushWriter>)._push !== 'function') {
    throw new Error('protobufjs Writer has no _push: this protobufjs version cannot write unknown ONNX fields back');
  }
  const ns = root.lookup('onnx') as protobuf.Namespace;
  const all: protobuf.Type[] = [];
  const collect = (n: protobuf.NamespaceBase) => {
    for (const item of n.nestedArray) {
      if (item instanceof protobuf.Type) all.push(item);
      if (item instanceof protobuf.Namespace || item instanceof protobuf.Type) collect(item);
    }
  };
  collect(ns);
  for (const t of all) t.setup(); // generate every codec first: setup() replaces decode/encode
  for (const t of all) keepUnknownFields(t);
  return codecs(ns) as unknown as OnnxSchema;
}

/** The onnx package: `onnx.ModelProto.decode(bytes)`, `onnx.TensorProto.DataType.FLOAT`, … */
export const onnx: OnnxSchema = build();

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
