/**
 * Upgrading a model's default-domain (ai.onnx) opset from 11 or 12 to 13, where its ops allow — per-channel QDQ
 * needs DequantizeLinear-13 (`axis`). Between opsets 11 and 13 most operators only gained types (bfloat16, more
 * integers); those are kept as they are. The ones whose signature or meaning changed are rewritten:
 *
 * - Squeeze-13, Unsqueeze-13, ReduceSum-13: `axes` moved from an attribute to a second (int64) input;
 * - Split-13: `split` moved from an attribute to a second input;
 * - Softmax-13, LogSoftmax-13, Hardmax-13: the op works along one axis; before 13 the input was coerced to 2-D
 *   at `axis` (default 1) and normalised over all trailing dims. Kept when `axis` is the last dim (−1, or
 *   rank − 1 with a known rank), otherwise rewritten exactly as Flatten(axis) → op(axis=1) → Reshape(Shape(x));
 * - Dropout-10 `ratio` attribute: dropped (Dropout is the identity at inference; 12+ takes it as an input).
 *
 * Any other op (control flow with subgraphs, deprecated Upsample, ops not known to be unchanged) blocks the
 * upgrade; the caller then keeps the opset (e.g. quantizes per-tensor). Nodes of other domains are untouched.
 * Spec: https://github.com/onnx/onnx/blob/main/docs/Changelog.md (Squeeze-13, Unsqueeze-13, Split-13,
 * ReduceSum-13, Softmax-13, Dropout-12).
 */
import { getAttr, makeNode } from './build.ts';
import { uniqueNamer, valueShape } from './graph.ts';
import { defaultOpset } from './model.ts';
import { int64ToNumber, type GraphProto, type ModelProto, type NodeProto } from './proto.ts';
import { arrayToTensor } from './tensor.ts';

/** What {@link upgradeOpset} did, or why it could not. */
export interface OpsetUpgrade {
  /** ai.onnx opset before. */
  from: number;
  /** ai.onnx opset after (= `from` when not upgraded). */
  to: number;
  /** True when the model was rewritten to the target opset. */
  upgraded: boolean;
  /** One line per rewritten node kind, e.g. "Squeeze ×2: axes attribute → input". */
  changes: string[];
  /** Why the upgrade was not possible (empty when upgraded or already new enough). */
  blockers: string[];
}

/** Ops whose inference behaviour for the types they already had is the same at opsets 11, 12 and 13. */
const UNCHANGED = new Set([
  'Abs', 'Acos', 'Acosh', 'Add', 'And', 'ArgMax', 'ArgMin', 'Asin', 'Asinh', 'Atan', 'Atanh', 'AveragePool',
  'BatchNormalization', 'BitShift', 'Cast', 'Ceil', 'Celu', 'Clip', 'Compress', 'Concat', 'Constant', 'ConstantOfShape',
  'Conv', 'ConvInteger', 'ConvTranspose', 'Cos', 'Cosh', 'CumSum', 'DepthToSpace', 'DequantizeLinear', 'Det', 'Div',
  'DynamicQuantizeLinear', 'Einsum', 'Elu', 'Equal', 'Erf', 'Exp', 'Expand', 'EyeLike', 'Flatten', 'Floor', 'Gather',
  'GatherElements', 'GatherND', 'Gemm', 'GlobalAveragePool', 'GlobalLpPool', 'GlobalMaxPool', 'Greater',
  'GreaterOrEqual', 'HardSigmoid', 'Identity', 'InstanceNormalization', 'IsInf', 'IsNaN', 'LRN', 'LeakyRelu', 'Less',
  'LessOrEqual', 'Log', 'LpNormalization', 'LpPool', 'MatMul', 'MatMulInteger', 'Max', 'MaxPool', 'MaxRoiPool',
  'MaxUnpool', 'Mean', 'MeanVarianceNormalization', 'Min', 'Mod', 'Mul', 'Neg', 'NonMaxSuppression', 'NonZero', 'Not',
  'OneHot', 'Or', 'PRelu', 'Pad', 'Pow', 'QLinearConv', 'QLinearMatMul', 'QuantizeLinear', 'Range', 'Reciprocal',
  'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceMax', 'ReduceMean', 'ReduceMin', 'ReduceProd',
  'ReduceSumSquare', 'Relu', 'Reshape', 'Resize', 'ReverseSequence', 'RoiAlign', 'Round', 'ScatterElements', 'ScatterND',
  'Selu', 'Shape', 'Shrink', 'Sigmoid', 'Sign', 'Sin', 'Sinh', 'Size', 'Slice', 'Softplus', 'Softsign', 'SpaceToDepth',
  'Sqrt', 'Sub', 'Sum', 'Tan', 'Tanh', 'ThresholdedRelu', 'Tile', 'TopK', 'Transpose', 'Unique', 'Where', 'Xor',
]);
const AXES_TO_INPUT = new Set(['Squeeze', 'Unsqueeze', 'ReduceSum']);
const SOFTMAX_LIKE = new Set(['Softmax', 'LogSoftmax', 'Hardmax']);

const isDefault = (n: NodeProto) => !n.domain || n.domain === 'ai.onnx';

/** The rank of a value when the graph declares its shape (input, output or value_info), else undefined. */
function rankOf(graph: GraphProto, name: string): number | undefined {
  for (const v of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) {
    if (v.name === name) return valueShape(v)?.length;
  }
  return undefined;
}

/**
 * Rewrites `model` (in place) to ai.onnx opset `target` (13) when every default-domain node allows it; otherwise
 * leaves it untouched and lists the blockers. A model already at ≥ `target` is left as it is (upgraded false, no
 * blockers). Only upgrades from opset 11 or 12.
 * @returns what was done, for reports
 */
export function upgradeOpset(model: ModelProto, target = 13): OpsetUpgrade {
  const from = defaultOpset(model);
  const none = (blockers: string[]): OpsetUpgrade => ({ from, to: from, upgraded: false, changes: [], blockers });
  if (from >= target) return none([]);
  if (target !== 13) return none([`only upgrades to opset 13 are supported (asked for ${target})`]);
  if (from < 11) return none([`opset ${from} is older than 11; re-export the model with opset 13 (torch.onnx.export(..., opset_version=13))`]);
  const graph = model.graph!;
  const nodes = graph.node ?? [];
  const blocked = new Map<string, number>();
  for (const n of nodes) {
    if (!isDefault(n)) continue;
    const op = n.opType ?? '';
    if (UNCHANGED.has(op) || AXES_TO_INPUT.has(op) || SOFTMAX_LIKE.has(op) || op === 'Split' || op === 'Dropout') continue;
    blocked.set(op, (blocked.get(op) ?? 0) + 1);
  }
  if (blocked.size) {
    return none([...blocked].map(([op, k]) => `${op} ×${k}: changed between opset ${from} and 13 in ways medslim does not rewrite`));
  }

  const name = uniqueNamer(graph);
  const counts = new Map<string, number>();
  const note = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);
  const out: NodeProto[] = [];
  for (const n of nodes) {
    const op = n.opType ?? '';
    if (!isDefault(n)) {
      out.push(n);
      continue;
    }
    if (AXES_TO_INPUT.has(op) || op === 'Split') {
      const attr = op === 'Split' ? 'split' : 'axes';
      const value = getAttr(n, attr);
      if (value !== undefined) {
        const list = Array.isArray(value) ? value : [value as number];
        const tensorName = name(`${n.name || op}_${attr}`);
        graph.initializer = [...(graph.initializer ?? []), arrayToTensor(tensorName, 'int64', [list.length], BigInt64Array.from(list, (v) => BigInt(v)))];
        n.input = [...(n.input ?? []), tensorName];
        n.attribute = (n.attribute ?? []).filter((a) => a.name !== attr);
        note(`${op}: ${attr} attribute → input`);
      }
      out.push(n);
      continue;
    }
    if (op === 'Dropout') {
      if ((n.attribute ?? []).some((a) => a.name === 'ratio')) {
        n.attribute = (n.attribute ?? []).filter((a) => a.name !== 'ratio');
        note('Dropout: ratio attribute dropped (identity at inference)');
      }
      out.push(n);
      continue;
    }
    if (SOFTMAX_LIKE.has(op)) {
      const axis = (getAttr(n, 'axis') as number | undefined) ?? 1;
      const rank = rankOf(graph, n.input![0]);
      if (axis === -1 || (rank !== undefined && (axis === rank - 1 || axis === -1))) {
        out.push(n); // along the last axis: the same at 13
        continue;
      }
      const x = n.input![0];
      const flat = name(`${n.name || op}_flat`);
      const y = name(`${n.name || op}_2d`);
      const shape = name(`${n.name || op}_shape`);
      out.push(
        makeNode('Flatten', [x], [flat], { axis }, name(`${n.name || op}_flatten`)),
        makeNode(op, [flat], [y], { axis: 1 }, n.name || name(op)),
        makeNode('Shape', [x], [shape], {}, name(`${n.name || op}_shape_of`)),
        makeNode('Reshape', [y, shape], [n.output![0]], {}, name(`${n.name || op}_reshape`)),
      );
      note(`${op}: coerced-2-D axis ${axis} → Flatten, ${op}(axis=1), Reshape`);
      continue;
    }
    out.push(n);
  }
  graph.node = out;
  for (const o of model.opsetImport ?? []) if (!o.domain || o.domain === 'ai.onnx') o.version = 13;
  if (int64ToNumber(model.irVersion) < 7) model.irVersion = 7; // opset 13 needs IR ≥ 7
  return { from, to: 13, upgraded: true, changes: [...counts].map(([what, k]) => `${what.replace(':', ` ×${k}:`)}`), blockers: [] };
}
