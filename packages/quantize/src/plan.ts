import { consumers, getAttr, getIntAttr, initializerMap, producers, tensorToArray, topologicalOrder, type ModelProto, type NodeProto } from '@medslim/onnx';
import type { QuantizeConfig } from './config.ts';
import { QuantizeError } from './errors.ts';

/** Ops with a constant weight at input 1, quantized to int8 (QLinearConv / QGemm / QLinearMatMul after ORT fusion). */
const WEIGHTED = new Set(['Conv', 'Gemm', 'MatMul']);
/** Ops whose float inputs and output each get their own (scale, zero-point). */
const OWN_PARAMS = new Set(['Add', 'Mul', 'Concat', 'GlobalAveragePool', 'AveragePool', 'Relu', 'Clip']);
/** Data-movement ops whose output reuses the input's (scale, zero-point), so ORT can drop the Q/DQ around them. */
const PASSTHROUGH = new Set(['MaxPool', 'Flatten', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze']);
/** Activations that can be folded into the producer's output quantization when that is exact. */
const FOLDABLE = new Set(['Relu', 'Clip']);

/** How an activation tensor is quantized: with its own calibrated range, or sharing another tensor's parameters. */
export type ActivationSpec = { kind: 'own' } | { kind: 'shared'; from: string };

/** A node left in float, and why (listed in the report). */
export interface FloatNode {
  name: string;
  opType: string;
  reason: string;
}

/** What the QDQ pass will do, decided before calibration so only the needed tensors are calibrated. */
export interface QdqPlan {
  /** Nodes that will run on quantized inputs (by node name). */
  quantized: NodeProto[];
  float: FloatNode[];
  /** Relu/Clip nodes removed because the quantization of their producer's output clamps exactly as they do. */
  folded: NodeProto[];
  /** Activation tensors that get a QuantizeLinear→DequantizeLinear pair. */
  activations: Map<string, ActivationSpec>;
  /** Weight initializers to quantize to int8, with their channel axis (null = per-tensor). */
  weights: Map<string, number | null>;
  /** Bias initializers to quantize to int32: node → {bias, input, weight}. */
  biases: { node: NodeProto; bias: string; input: string; weight: string }[];
}

function clipBounds(node: NodeProto, inits: Map<string, import('@medslim/onnx').TensorProto>): { min: number; max: number } | null {
  if (node.opType === 'Relu') return { min: 0, max: Infinity };
  // Clip: attributes before opset 11, optional constant inputs since.
  const attrMin = getAttr(node, 'min');
  const attrMax = getAttr(node, 'max');
  const read = (name: string | undefined, fallback: number) => {
    if (!name) return fallback;
    const t = inits.get(name);
    if (!t) return NaN; // dynamic bound: cannot reason about it
    return Number(tensorToArray(t).data[0]);
  };
  const min = typeof attrMin === 'number' ? attrMin : read(node.input?.[1], -Infinity);
  const max = typeof attrMax === 'number' ? attrMax : read(node.input?.[2], Infinity);
  return Number.isNaN(min) || Number.isNaN(max) ? null : { min, max };
}

/**
 * Decides which nodes run quantized, which activations get QDQ pairs, which weights and biases are
 * quantized, and which Relu/Clip nodes fold away. Mirrors ORT's QDQ quantizer (qdq_quantizer.py with its
 * QDQConv, QDQGemm, QDQDirect8BitOp and QDQRemovableActivation op handlers) with one stricter rule:
 * an activation is folded only when removing it cannot change a result — asymmetric activations, its
 * lower bound exactly 0 (so zero-point = qmin and Q clamps at 0 as it does), its input read by it alone,
 * and its output quantized.
 *
 * @param model the ORT-optimized float model (BatchNormalization already folded).
 * @param config resolved settings; `exclude` lists node names or op types kept in float.
 * @param namesBeforeOptimization node names and op types of the model as the user gave it, so an exclusion of
 *   a node the optimizer folded away is not mistaken for a typo.
 * @throws QuantizeError 'BAD_CONFIG' when an exclusion matches no node or op type, or when nothing is left to quantize.
 */
export function planQdq(model: ModelProto, config: QuantizeConfig, namesBeforeOptimization: Iterable<string> = []): QdqPlan {
  const g = model.graph!;
  const inits = initializerMap(g);
  const cons = consumers(g);
  const prod = producers(g);
  const graphOutputs = new Set((g.output ?? []).map((o) => o.name!));
  const excluded = (n: NodeProto) => config.exclude.includes(n.name ?? '') || config.exclude.includes(n.opType ?? '');
  const isFloatInit = (name: string) => inits.get(name)?.dataType === 1;

  const order = topologicalOrder(g);
  // A mistyped exclusion would silently quantize the node it meant to protect: refuse it. Names and op types of
  // the model as given count too (ORT's optimizer folds e.g. BatchNormalization into the Conv before planning).
  const known = new Set([...order.flatMap((n) => [n.name ?? '', n.opType ?? '']), ...namesBeforeOptimization]);
  const unknown = config.exclude.filter((e) => !known.has(e));
  if (unknown.length) {
    const names = order.filter((n) => WEIGHTED.has(n.opType ?? '')).map((n) => n.name).slice(-6);
    throw new QuantizeError('BAD_CONFIG', `exclude: ${unknown.map((u) => `'${u}'`).join(', ')} matches no node name or op type of this model; use an op type (e.g. Gemm) or a node name such as ${names.map((x) => `'${x}'`).join(', ')}`);
  }
  const quantized = new Set<NodeProto>();
  const floatNodes: FloatNode[] = [];
  const keep = (n: NodeProto, reason: string) => floatNodes.push({ name: n.name ?? '', opType: n.opType ?? '', reason });

  for (const n of order) {
    const op = n.opType ?? '';
    if (op === 'QuantizeLinear' || op === 'DequantizeLinear') {
      keep(n, 'already a quantization node');
      continue;
    }
    if (excluded(n)) {
      keep(n, 'excluded by configuration');
      continue;
    }
    if (WEIGHTED.has(op)) {
      const w = n.input?.[1] ?? '';
      if (!isFloatInit(w)) { keep(n, 'weight is not a float32 constant'); continue; }
      if (op === 'Gemm') {
        const alpha = getAttr(n, 'alpha');
        const beta = getAttr(n, 'beta');
        if (getIntAttr(n, 'transA', 0) !== 0) { keep(n, 'Gemm with transA=1 is not quantized'); continue; }
        if ((typeof alpha === 'number' && alpha !== 1) || (typeof beta === 'number' && beta !== 1 && n.input?.[2])) {
          keep(n, 'Gemm with alpha or beta ≠ 1 is not quantized (the int32 bias scale would be wrong)');
          continue;
        }
      }
      if (op === 'MatMul' && (inits.get(w)?.dims?.length ?? 0) !== 2) { keep(n, 'MatMul weight is not 2-D'); continue; }
      if (inits.has(n.input?.[0] ?? '')) { keep(n, 'input 0 is a constant'); continue; }
      quantized.add(n);
    } else if (OWN_PARAMS.has(op) || PASSTHROUGH.has(op)) {
      const dataInputs = PASSTHROUGH.has(op) || op === 'Relu' || op === 'Clip' || op.endsWith('Pool') ? [n.input![0]] : n.input!.filter(Boolean);
      if (dataInputs.some((i) => inits.has(i))) { keep(n, 'an input is a constant'); continue; }
      if (op === 'Clip' && !clipBounds(n, inits)) { keep(n, 'Clip bounds are not constants'); continue; }
      quantized.add(n);
    } else {
      keep(n, `op ${op} is not in the supported set`);
    }
  }

  if (quantized.size === 0) {
    // Nothing would run quantized: calibration would have no tensor to observe and the "INT8" model would be the
    // float one. Say why instead of failing later inside onnxruntime (an empty fetch list).
    const why = config.exclude.length
      ? `exclude (${config.exclude.map((e) => `'${e}'`).join(', ')}) covers every node that could be quantized; exclude fewer nodes or op types`
      : `none of its ops can be quantized (${[...new Set(floatNodes.map((f) => f.reason))].slice(0, 3).join('; ')})`;
    throw new QuantizeError('BAD_CONFIG', `nothing to quantize in this model: ${why}`);
  }

  // Fold Relu / Clip(0, max) into the producer's output quantization when exact.
  const folded: NodeProto[] = [];
  const ownOutput = (p: NodeProto | undefined) => !!p && quantized.has(p) && (WEIGHTED.has(p.opType!) || (OWN_PARAMS.has(p.opType!) && !FOLDABLE.has(p.opType!)));
  for (const n of order) {
    if (!FOLDABLE.has(n.opType ?? '') || !quantized.has(n) || config.activationSymmetric) continue;
    const bounds = clipBounds(n, inits);
    if (!bounds || bounds.min !== 0) continue;
    const input = n.input![0];
    const p = prod.get(input);
    if (!ownOutput(p)) continue;
    if ((cons.get(input) ?? []).length !== 1 || graphOutputs.has(input)) continue;
    if (graphOutputs.has(n.output![0]) && config.keepGraphOutputsFloat) continue;
    folded.push(n);
    quantized.delete(n);
  }
  const foldedSet = new Set(folded);
  // Renaming map: the producer's output takes the folded activation's output name.
  const renamed = new Map<string, string>();
  for (const a of folded) renamed.set(a.input![0], a.output![0]);
  const finalName = (t: string) => renamed.get(t) ?? t;

  const activations = new Map<string, ActivationSpec>();
  // A graph output kept in float gets no Q/DQ of its own — unless a quantized node also reads it (e.g. an
  // embedding output that feeds the classifier head): then its readers get a Q/DQ and the output stays float.
  const readByQuantized = (t: string) => (cons.get(t) ?? []).some((c) => quantized.has(c) && !foldedSet.has(c));
  const want = (t: string, spec: ActivationSpec) => {
    if (!t || inits.has(t)) return;
    if (graphOutputs.has(t) && config.keepGraphOutputsFloat && !readByQuantized(t)) return;
    const cur = activations.get(t);
    if (!cur || (cur.kind === 'own' && spec.kind === 'shared')) activations.set(t, spec);
  };
  const weights = new Map<string, number | null>();
  const biases: QdqPlan['biases'] = [];
  for (const n of order) {
    if (!quantized.has(n) || foldedSet.has(n)) continue;
    const op = n.opType!;
    const out = finalName(n.output![0]);
    if (WEIGHTED.has(op)) {
      const x = n.input![0];
      const w = n.input![1];
      want(x, { kind: 'own' });
      want(out, { kind: 'own' });
      const rank = inits.get(w)!.dims!.length;
      const axis = !config.perChannel ? null : op === 'Conv' ? 0 : op === 'Gemm' ? (getIntAttr(n, 'transB', 0) ? 0 : 1) : rank - 1;
      weights.set(w, axis);
      const b = n.input?.[2];
      if (b && isFloatInit(b)) {
        const outChannels = op === 'Conv' ? Number(inits.get(w)!.dims![0]) : Number(inits.get(w)!.dims![axis ?? (getIntAttr(n, 'transB', 0) ? 0 : 1)]);
        const bt = tensorToArray(inits.get(b)!);
        if (bt.data.length === outChannels) biases.push({ node: n, bias: b, input: x, weight: w });
      }
    } else if (PASSTHROUGH.has(op)) {
      want(n.input![0], { kind: 'own' });
      want(out, { kind: 'shared', from: n.input![0] });
    } else {
      const ins = op === 'Relu' || op === 'Clip' || op.endsWith('Pool') ? [n.input![0]] : n.input!.filter(Boolean);
      for (const i of ins) want(i, { kind: 'own' });
      want(out, { kind: 'own' });
    }
  }
  return { quantized: [...quantized], float: floatNodes, folded, activations, weights, biases };
}

/** Tensors whose calibrated range the plan needs (own-range activations, named as in the float model). */
export function tensorsToCalibrate(plan: QdqPlan): string[] {
  return [...plan.activations.entries()].filter(([, s]) => s.kind === 'own').map(([t]) => t);
}
