import { elemTypeName } from './dtype.ts';
import { realInputs, valueShape } from './graph.ts';
import { defaultOpset, getMetadata, writeModel } from './model.ts';
import type { ModelProto, ValueInfoProto } from './proto.ts';
import { sizeOf, tensorByteSize, tensorDims } from './tensor.ts';

export interface IoSummary {
  name: string;
  elemType: string;
  /** Fixed dims as numbers, symbolic as their name (e.g. 'N'), unknown as null. */
  shape: (number | string | null)[] | null;
}

/** What `medslim inspect` prints: the model's interface, size and contents. */
export interface ModelSummary {
  irVersion: number;
  opset: number;
  opsets: { domain: string; version: number }[];
  producer: string;
  graphName: string;
  inputs: IoSummary[];
  outputs: IoSummary[];
  /** Node count per op type ('domain:Op' for non-default domains), sorted by count descending. */
  opHistogram: Record<string, number>;
  nodes: number;
  initializers: number;
  /** Elements in all initializers (weights, biases, scales, zero-points). */
  parameterCount: number;
  /** Bytes the initializers' values occupy. */
  initializerBytes: number;
  /** Serialized model size in bytes. */
  bytes: number;
  metadata: Record<string, string>;
}

function io(v: ValueInfoProto): IoSummary {
  return { name: v.name ?? '', elemType: elemTypeName(v.type?.tensorType?.elemType ?? 0), shape: valueShape(v) ?? null };
}

/** Summarizes a model; `bytes` is the serialized size (pass the file size to skip re-encoding). */
export function summarize(model: ModelProto, bytes?: number): ModelSummary {
  const g = model.graph ?? {};
  const hist = new Map<string, number>();
  for (const n of g.node ?? []) {
    const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}:${n.opType}` : n.opType ?? '?';
    hist.set(key, (hist.get(key) ?? 0) + 1);
  }
  let params = 0;
  let initBytes = 0;
  for (const t of g.initializer ?? []) {
    params += sizeOf(tensorDims(t));
    initBytes += tensorByteSize(t);
  }
  return {
    irVersion: Number(model.irVersion ?? 0),
    opset: defaultOpset(model),
    opsets: (model.opsetImport ?? []).map((o) => ({ domain: o.domain || 'ai.onnx', version: Number(o.version ?? 0) })),
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    graphName: g.name ?? '',
    inputs: realInputs(g).map(io),
    outputs: (g.output ?? []).map(io),
    opHistogram: Object.fromEntries([...hist.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    nodes: g.node?.length ?? 0,
    initializers: g.initializer?.length ?? 0,
    parameterCount: params,
    initializerBytes: initBytes,
    bytes: bytes ?? writeModel(model).byteLength,
    metadata: getMetadata(model),
  };
}

const fmtShape = (s: IoSummary['shape']) => (s ? `[${s.map((d) => (d === null ? '?' : d)).join(', ')}]` : '[?]');

/** Renders a summary as the plain text `medslim inspect` prints. */
export function formatSummary(s: ModelSummary): string {
  const lines = [
    `IR version ${s.irVersion}, opset ${s.opsets.map((o) => `${o.domain} ${o.version}`).join(', ')}${s.producer ? `, produced by ${s.producer}` : ''}`,
    `inputs:`,
    ...s.inputs.map((i) => `  ${i.name}: ${i.elemType} ${fmtShape(i.shape)}`),
    `outputs:`,
    ...s.outputs.map((o) => `  ${o.name}: ${o.elemType} ${fmtShape(o.shape)}`),
    `parameters: ${s.parameterCount.toLocaleString('en-US')} in ${s.initializers} initializers (${(s.initializerBytes / 1e6).toFixed(2)} MB)`,
    `model size: ${s.bytes.toLocaleString('en-US')} bytes (${(s.bytes / 1e6).toFixed(2)} MB)`,
    `nodes: ${s.nodes}`,
    `ops: ${Object.entries(s.opHistogram).map(([k, v]) => `${k}×${v}`).join(', ')}`,
  ];
  const meta = Object.entries(s.metadata);
  if (meta.length) lines.push('metadata:', ...meta.map(([k, v]) => `  ${k} = ${v}`));
  return lines.join('\n');
}
