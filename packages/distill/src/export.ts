import { arrayToTensor, makeGraph, makeModel, makeNode, makeValueInfo, writeModel, type NodeProto, type TensorProto } from '@medslim/onnx';
import { hasResidual, type StudentConfig } from './student/config.ts';
import { BN_EPSILON } from './student/forward.ts';
import { namedVariables, type StudentParams } from './student/params.ts';

/** Padding of a tfjs 'same' conv (TensorFlow's rule: extra padding at the end) as ONNX pads [top, left, bottom, right]. */
export function samePads(size: number, kernel: number, stride: number): number[] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  const begin = Math.floor(total / 2);
  return [begin, begin, total - begin, total - begin];
}

/**
 * Folds BatchNorm into the preceding conv and lays the weights out for ONNX:
 * scale_c = γ_c / √(var_c + ε); W'_c = W_c · scale_c; b'_c = β_c − mean_c · scale_c.
 * NHWC weights [kh, kw, in, out] → ONNX Conv [out, in, kh, kw]; depthwise [kh, kw, C, 1] → [C, 1, kh, kw] (group C).
 */
export function foldConvBn(w: { shape: number[]; data: Float32Array }, gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array, depthwise: boolean): { weight: Float32Array; dims: number[]; bias: Float32Array } {
  const [kh, kw, cin, m] = w.shape;
  const cout = depthwise ? cin : m;
  const scale = new Float32Array(cout);
  const bias = new Float32Array(cout);
  for (let c = 0; c < cout; c++) {
    scale[c] = gamma[c] / Math.sqrt(variance[c] + BN_EPSILON);
    bias[c] = beta[c] - mean[c] * scale[c];
  }
  if (depthwise) {
    const weight = new Float32Array(cin * kh * kw);
    for (let c = 0; c < cin; c++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
      weight[(c * kh + y) * kw + x] = w.data[((y * kw + x) * cin + c) * 1] * scale[c];
    }
    return { weight, dims: [cin, 1, kh, kw], bias };
  }
  const weight = new Float32Array(cout * cin * kh * kw);
  for (let o = 0; o < cout; o++) for (let i = 0; i < cin; i++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
    weight[((o * cin + i) * kh + y) * kw + x] = w.data[((y * kw + x) * cin + i) * cout + o] * scale[o];
  }
  return { weight, dims: [cout, cin, kh, kw], bias };
}

export interface ExportOptions {
  /** metadata_props to carry (medslim.preprocess, medslim.labels, lineage…). */
  metadata?: Record<string, string>;
  /**
   * Divide the logits by this temperature (Guo et al. 2017 temperature scaling, fitted on validation data with
   * @medslim/eval fitTemperature), folded into the final Gemm's weights and bias. Default 1 (unchanged).
   */
  temperature?: number;
  /**
   * Per-class offsets `[K]` added to the logits after the temperature division (decision-bias calibration fitted
   * on validation data with @medslim/eval fitDecisionOffsets), folded into the final Gemm's bias. Default none.
   */
  logitOffsets?: readonly number[];
}

/**
 * Exports a trained student to ONNX (opset 13): BatchNorm folded into each conv, NHWC weights laid out for an
 * NCHW graph, ReLU6 → Clip(0, 6), residual Add, GlobalAveragePool, Flatten, Gemm. The graph input 'input' is
 * NCHW [N, C, H, W] float32 — the same contract as the teacher — and the output 'logits' [N, K].
 * Spec: ONNX operators Conv, Clip (opset 13), GlobalAveragePool, Gemm.
 */
export function exportStudentOnnx(config: StudentConfig, params: StudentParams, opts: ExportOptions = {}): Uint8Array {
  const vars = new Map(namedVariables(params).map(([k, v]) => [k, { shape: v.shape.slice(), data: v.dataSync() as Float32Array }]));
  const get = (k: string) => vars.get(k)!;
  const inits: TensorProto[] = [arrayToTensor('relu6_min', 'float32', [], Float32Array.of(0)), arrayToTensor('relu6_max', 'float32', [], Float32Array.of(6))];
  const nodes: NodeProto[] = [];
  let size = config.resolution;
  const convBn = (prefix: string, x: string, stride: number, depthwise: boolean, relu6: boolean): string => {
    const f = foldConvBn(get(`${prefix}.w`), get(`${prefix}.bn.gamma`).data, get(`${prefix}.bn.beta`).data, get(`${prefix}.bn.mean`).data, get(`${prefix}.bn.variance`).data, depthwise);
    inits.push(arrayToTensor(`${prefix}.weight`, 'float32', f.dims, f.weight), arrayToTensor(`${prefix}.bias`, 'float32', [f.bias.length], f.bias));
    const k = f.dims[2];
    const attrs = { kernel_shape: [k, k], strides: [stride, stride], pads: samePads(size, k, stride), dilations: [1, 1], group: depthwise ? f.dims[0] : 1 };
    const y = `${prefix}.conv`;
    nodes.push(makeNode('Conv', [x, `${prefix}.weight`, `${prefix}.bias`], [y], attrs, `${prefix}/Conv`));
    size = Math.ceil(size / stride);
    if (!relu6) return y;
    nodes.push(makeNode('Clip', [y, 'relu6_min', 'relu6_max'], [`${prefix}.relu6`], {}, `${prefix}/Clip`));
    return `${prefix}.relu6`;
  };
  let h = convBn('stem', 'input', 1, false, true);
  config.blocks.forEach((b, i) => {
    const input = h;
    let y = params.blocks[i].expand ? convBn(`blocks.${i}.expand`, h, 1, false, true) : h;
    y = convBn(`blocks.${i}.depthwise`, y, b.stride, true, true);
    y = convBn(`blocks.${i}.project`, y, 1, false, false);
    if (hasResidual(b)) {
      nodes.push(makeNode('Add', [input, y], [`blocks.${i}.add`], {}, `blocks.${i}/Add`));
      y = `blocks.${i}.add`;
    }
    h = y;
  });
  h = convBn('head', h, 1, false, true);
  nodes.push(makeNode('GlobalAveragePool', [h], ['pool'], {}, 'pool/GlobalAveragePool'));
  nodes.push(makeNode('Flatten', ['pool'], ['features'], { axis: 1 }, 'flatten'));
  const fcw = get('fc.w'); // [head, K] → Gemm B [K, head] with transB = 1
  const [hd, k] = fcw.shape;
  const wt = new Float32Array(hd * k);
  // Temperature scaling folded into the classifier: logits / T = features·(W/T)ᵀ + b/T — calibration at no run-time cost.
  const invT = 1 / (opts.temperature ?? 1);
  for (let i = 0; i < hd; i++) for (let j = 0; j < k; j++) wt[j * hd + i] = fcw.data[i * k + j] * invT;
  // Decision offsets folded into the bias: logits / T + o = features·(W/T)ᵀ + (b/T + o).
  const offsets = opts.logitOffsets;
  if (offsets && offsets.length !== k) throw new Error(`exportStudentOnnx: logitOffsets has ${offsets.length} entries; the student has ${k} classes`);
  const fcb = Float32Array.from(get('fc.b').data, (v, j) => v * invT + (offsets?.[j] ?? 0));
  inits.push(arrayToTensor('fc.weight', 'float32', [k, hd], wt), arrayToTensor('fc.bias', 'float32', [k], fcb));
  nodes.push(makeNode('Gemm', ['features', 'fc.weight', 'fc.bias'], ['logits'], { transB: 1 }, 'fc/Gemm'));
  const graph = makeGraph(
    'medslim_student',
    nodes,
    [makeValueInfo('input', 1, ['N', config.inputChannels, config.resolution, config.resolution])],
    [makeValueInfo('logits', 1, ['N', config.numClasses])],
    inits,
  );
  return writeModel(makeModel(graph, { opset: 13, metadata: { ...(opts.metadata ?? {}), 'medslim.student': JSON.stringify(config) } }));
}
