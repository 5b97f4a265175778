import {
  arrayToTensor,
  defaultOpset,
  initializerMap,
  makeNode,
  removeUnusedInitializers,
  setInitializer,
  tensorToFloat32,
  topologicalOrder,
  uniqueNamer,
  type ModelProto,
  type NodeProto,
} from '@medslim/onnx';
import type { QuantizeConfig } from './config.ts';
import { QuantizeError } from './errors.ts';
import type { QdqPlan } from './plan.ts';
import { computeQParams, type QParams } from './qparams.ts';
import { quantizeBias, quantizeWeight } from './weights.ts';

/** Per-tensor activation parameters chosen for the model, for the report. */
export interface ActivationParams extends QParams {
  tensor: string;
  min: number;
  max: number;
}

export interface RewriteResult {
  activationParams: Map<string, ActivationParams>;
  weightCount: number;
  biasCount: number;
  /** Largest |w − dequant(q)| over all weights, relative to that tensor's max |w|. */
  maxRelativeWeightError: number;
}

/**
 * Rewrites `model` in place into the QDQ format: each planned activation gets QuantizeLinear→DequantizeLinear
 * (all its readers move to the DequantizeLinear output), each planned weight becomes an int8 initializer
 * read through DequantizeLinear (per-axis when per-channel), each bias an int32 initializer with
 * scale = input_scale × weight_scale and zero-point 0, and folded Relu/Clip nodes are removed.
 * Spec: ONNX QuantizeLinear/DequantizeLinear (opset 13 for per-axis); ORT "QDQ format" documentation.
 * @throws QuantizeError OPSET_TOO_OLD when per-channel needs opset 13 and the model is older;
 *   BAD_RANGE when a planned tensor has no calibrated range.
 */
export function applyQdq(model: ModelProto, plan: QdqPlan, ranges: Map<string, { min: number; max: number }>, config: QuantizeConfig): RewriteResult {
  const g = model.graph!;
  const opset = defaultOpset(model);
  if (config.perChannel && opset < 13) {
    throw new QuantizeError('OPSET_TOO_OLD', `per-channel quantization needs opset ≥ 13 (DequantizeLinear with axis); the model uses opset ${opset}. Re-export it with opset 13 or pass --per-tensor`);
  }
  if (opset < 10) throw new QuantizeError('OPSET_TOO_OLD', `QDQ quantization needs opset ≥ 10; the model uses opset ${opset}. Re-export it with opset 13`);
  const fresh = uniqueNamer(g);
  const inits = initializerMap(g);
  const newNodes: NodeProto[] = [];

  // 1. Fold activations: the producer writes the activation's output directly.
  const folded = new Set(plan.folded);
  for (const a of plan.folded) {
    for (const n of g.node ?? []) {
      if (folded.has(n)) continue;
      n.output = (n.output ?? []).map((o) => (o === a.input![0] ? a.output![0] : o));
    }
  }
  g.node = (g.node ?? []).filter((n) => !folded.has(n));

  // 2. Activation parameters: own ranges first, then shared ones (which may chain).
  const actType = config.activationType;
  const activationParams = new Map<string, ActivationParams>();
  const resolve = (t: string, depth = 0): ActivationParams => {
    const done = activationParams.get(t);
    if (done) return done;
    const spec = plan.activations.get(t);
    if (!spec || depth > 64) throw new QuantizeError('BAD_RANGE', `no quantization parameters for tensor '${t}'`);
    let p: ActivationParams;
    if (spec.kind === 'shared') {
      p = { ...resolve(spec.from, depth + 1), tensor: t };
    } else {
      const r = ranges.get(t);
      if (!r) throw new QuantizeError('BAD_RANGE', `tensor '${t}' has no calibrated range`);
      p = { ...computeQParams(r.min, r.max, actType, config.activationSymmetric, false), tensor: t, min: r.min, max: r.max };
    }
    activationParams.set(t, p);
    return p;
  };
  for (const t of plan.activations.keys()) resolve(t);

  const scalar = (name: string, value: number) => arrayToTensor(name, 'float32', [], Float32Array.of(value));
  const zpScalar = (name: string, zp: number) => (actType === 'uint8' ? arrayToTensor(name, 'uint8', [], Uint8Array.of(zp)) : arrayToTensor(name, 'int8', [], Int8Array.of(zp)));

  // 3. Weights → int8 + DequantizeLinear.
  const weightScales = new Map<string, Float32Array>();
  const weightDq = new Map<string, string>();
  let maxRel = 0;
  for (const [w, axis] of plan.weights) {
    const { dims, data } = tensorToFloat32(inits.get(w)!);
    const q = quantizeWeight(data, dims, axis, config.reduceRange);
    let absMax = 0;
    for (let i = 0; i < data.length; i++) absMax = Math.max(absMax, Math.abs(data[i]));
    if (absMax > 0) maxRel = Math.max(maxRel, q.maxError / absMax);
    const qName = fresh(`${w}_quantized`);
    const sName = fresh(`${w}_scale`);
    const zName = fresh(`${w}_zero_point`);
    const out = fresh(`${w}_DequantizeLinear_Output`);
    const perAxis = axis !== null;
    setInitializer(g, arrayToTensor(qName, 'int8', dims, q.values));
    setInitializer(g, arrayToTensor(sName, 'float32', perAxis ? [q.scales.length] : [], q.scales));
    setInitializer(g, arrayToTensor(zName, 'int8', perAxis ? [q.zeroPoints.length] : [], q.zeroPoints));
    newNodes.push(makeNode('DequantizeLinear', [qName, sName, zName], [out], perAxis ? { axis } : {}, fresh(`${w}_DequantizeLinear`)));
    weightScales.set(w, q.scales);
    weightDq.set(w, out);
  }

  // 4. Biases → int32 + DequantizeLinear (per node: the scale depends on that node's input scale).
  const biasDq = new Map<NodeProto, string>();
  for (const b of plan.biases) {
    const inputScale = resolve(b.input).scale;
    const { data } = tensorToFloat32(inits.get(b.bias)!);
    const q = quantizeBias(data, inputScale, weightScales.get(b.weight)!);
    const qName = fresh(`${b.bias}_quantized`);
    const sName = fresh(`${b.bias}_scale`);
    const zName = fresh(`${b.bias}_zero_point`);
    const out = fresh(`${b.bias}_DequantizeLinear_Output`);
    setInitializer(g, arrayToTensor(qName, 'int32', [data.length], q.values));
    if (opset >= 13) {
      setInitializer(g, arrayToTensor(sName, 'float32', [data.length], q.scales));
      setInitializer(g, arrayToTensor(zName, 'int32', [data.length], new Int32Array(data.length)));
      newNodes.push(makeNode('DequantizeLinear', [qName, sName, zName], [out], { axis: 0 }, fresh(`${b.bias}_DequantizeLinear`)));
    } else {
      // Before opset 13 DequantizeLinear has no axis: per-tensor weights give one bias scale (input × weight scale).
      setInitializer(g, arrayToTensor(sName, 'float32', [], Float32Array.of(q.scales[0])));
      setInitializer(g, arrayToTensor(zName, 'int32', [], new Int32Array(1)));
      newNodes.push(makeNode('DequantizeLinear', [qName, sName, zName], [out], {}, fresh(`${b.bias}_DequantizeLinear`)));
    }
    biasDq.set(b.node, out);
  }
  for (const n of g.node ?? []) {
    if (!n.input) continue;
    const bias = biasDq.get(n);
    n.input = n.input.map((x, i) => (i === 1 && weightDq.has(x) ? weightDq.get(x)! : i === 2 && bias ? bias : x));
  }

  // 5. Activations → QuantizeLinear → DequantizeLinear; every reader moves to the DequantizeLinear output.
  const graphOutputs = new Set((g.output ?? []).map((o) => o.name));
  for (const [t, p] of activationParams) {
    const sName = fresh(`${t}_scale`);
    const zName = fresh(`${t}_zero_point`);
    setInitializer(g, scalar(sName, p.scale));
    setInitializer(g, zpScalar(zName, p.zeroPoint));
    const qOut = fresh(`${t}_QuantizeLinear_Output`);
    let src = t;
    let dqOut = fresh(`${t}_DequantizeLinear_Output`);
    if (graphOutputs.has(t) && !config.keepGraphOutputsFloat) {
      // The graph output keeps its name and now carries the dequantized value.
      src = fresh(`${t}_float`);
      for (const n of g.node ?? []) n.output = (n.output ?? []).map((o) => (o === t ? src : o));
      dqOut = t;
    } else {
      for (const n of g.node ?? []) n.input = (n.input ?? []).map((x) => (x === t ? dqOut : x));
    }
    newNodes.push(makeNode('QuantizeLinear', [src, sName, zName], [qOut], {}, fresh(`${t}_QuantizeLinear`)));
    newNodes.push(makeNode('DequantizeLinear', [qOut, sName, zName], [dqOut], {}, fresh(`${t}_DequantizeLinear`)));
  }

  g.node = [...(g.node ?? []), ...newNodes];
  g.node = topologicalOrder(g);
  removeUnusedInitializers(g);
  // Intermediate value_info of the float graph may describe renamed tensors; ORT re-infers shapes.
  g.valueInfo = [];
  return { activationParams, weightCount: plan.weights.size, biasCount: plan.biases.length, maxRelativeWeightError: maxRel };
}
