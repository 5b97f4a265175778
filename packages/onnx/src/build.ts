import { DataType } from './dtype.ts';
import { int64ToNumber, onnx, type AttributeProto, type GraphProto, type Int64, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.ts';

/** An attribute value as medslim writes it: number (int if integral and `ints` hint), number[], string, or tensor. */
export type AttrValue = number | number[] | string | TensorProto | { float: number } | { floats: number[] };

/**
 * Builds a NodeProto. Integral numbers become INT attributes and number arrays INTS; wrap in
 * `{float: x}` / `{floats: [...]}` to force FLOAT/FLOATS (e.g. Gemm alpha, Clip min in opset < 11).
 */
export function makeNode(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}, name?: string, domain?: string): NodeProto {
  const attribute: AttributeProto[] = Object.entries(attrs).map(([key, v]) => makeAttribute(key, v));
  return onnx.NodeProto.create({ opType, input: inputs, output: outputs, attribute, name: name ?? outputs[0], ...(domain ? { domain } : {}) });
}

function makeAttribute(name: string, v: AttrValue): AttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return v.every(Number.isInteger) ? { name, type: T.INTS, ints: v } : { name, type: T.FLOATS, floats: v };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  return { name, type: T.TENSOR, t: v };
}

/** Reads an attribute of a node: INT/FLOAT → number, INTS/FLOATS → number[], STRING → string, TENSOR → TensorProto. */
export function getAttr(node: NodeProto, name: string): number | number[] | string | TensorProto | undefined {
  const a = node.attribute?.find((x) => x.name === name);
  if (!a) return undefined;
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case T.INT: return int64ToNumber(a.i as Int64);
    case T.FLOAT: return a.f ?? 0;
    case T.INTS: return (a.ints ?? []).map((x) => int64ToNumber(x as Int64));
    case T.FLOATS: return [...(a.floats ?? [])];
    case T.STRING: return new TextDecoder().decode(a.s ?? new Uint8Array());
    case T.TENSOR: return a.t ?? undefined;
    default: return undefined;
  }
}

/** getAttr narrowed to a number, with a default. */
export function getIntAttr(node: NodeProto, name: string, fallback: number): number {
  const v = getAttr(node, name);
  return typeof v === 'number' ? v : fallback;
}

/** A tensor ValueInfoProto; a string dim is symbolic (e.g. 'N'), a number is fixed. */
export function makeValueInfo(name: string, elemType: number = DataType.FLOAT, shape?: (number | string)[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        ...(shape ? { shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}),
      },
    },
  };
}

/** Builds a ModelProto around a graph (IR version 7 and opset 13 by default, as torch 1.13 exports). */
export function makeModel(graph: GraphProto, opts: { opset?: number; irVersion?: number; producer?: string; metadata?: Record<string, string>; extraOpsets?: { domain: string; version: number }[] } = {}): ModelProto {
  return onnx.ModelProto.create({
    irVersion: opts.irVersion ?? 7,
    producerName: opts.producer ?? 'medslim',
    opsetImport: [{ domain: '', version: opts.opset ?? 13 }, ...(opts.extraOpsets ?? [])],
    graph,
    metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
}

/** Builds a GraphProto. */
export function makeGraph(name: string, nodes: NodeProto[], inputs: ValueInfoProto[], outputs: ValueInfoProto[], initializers: TensorProto[] = []): GraphProto {
  return onnx.GraphProto.create({ name, node: nodes, input: inputs, output: outputs, initializer: initializers });
}
