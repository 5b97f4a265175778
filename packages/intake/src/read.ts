/**
 * Reading a classifier's interface from the model itself (graph and `medslim.*` metadata) and the explicit
 * fields a user gave — everything except evidence (see resolve.ts).
 */
import type { ExplicitContract, InputContract, InterfaceSource, Layout, ModelInterface, OutputKind, TensorType } from '@medslim/contracts';
import { labelsFromMetadata, parseContract, PREPROCESS_METADATA_KEY } from '@medslim/data';
import { dtypeFromOnnx, getMetadata, producers, realInputs, valueShape, type GraphProto, type ModelProto } from '@medslim/onnx';
import { IntakeError } from './errors.ts';

/** Metadata key naming the class-score output and its kind, e.g. `{"name":"probs","kind":"probabilities"}` (written on every model medslim produces). */
export const OUTPUT_METADATA_KEY = 'medslim.output';

/** Element types of an image input medslim feeds; integer ones take raw pixels (identity contract). */
const INPUT_TYPES: readonly TensorType[] = ['float32', 'float16', 'float64', 'uint8', 'int32', 'int64'];
const INTEGER_TYPES: readonly TensorType[] = ['uint8', 'int32', 'int64'];
/**
 * Element types of a class-score output medslim reads (converted to float64 numbers). Integer scores are
 * refused: their scale is unknown (e.g. round(1000 × logits)), so probabilities, AUC and calibration computed
 * from them would be silently wrong.
 */
const OUTPUT_TYPES: readonly TensorType[] = ['float32', 'float16', 'float64'];

/** The identity contract: raw pixels 0–255 as they are (an integer input normalises inside the graph). */
export function identityContract(layout: Layout): InputContract {
  return { layout, scale: 1, mean: [0], std: [1] };
}

/** True when the input takes raw integer pixels. */
export function isIntegerInput(dtype: TensorType): boolean {
  return INTEGER_TYPES.includes(dtype);
}

/** The interface as far as flags, metadata and graph settle it; `contract` null means only evidence can settle it. */
export type StaticInterface = Omit<ModelInterface, 'contract'> & { contract: InputContract | null };

export interface ReadInterfaceOptions {
  /** Fields given explicitly (CLI flags, `--contract`, a job spec's `contract`); they win over metadata and graph. */
  explicit?: ExplicitContract;
  /** Classes in the dataset, when known: picks the class-score output by K among several, and is checked against it. */
  numClasses?: number;
  /** What the model is, for messages (e.g. 'teacher model'). */
  what?: string;
}

const fixed = (d: number | string | null | undefined): number | null => (typeof d === 'number' && d > 0 ? d : null);
const isChannels = (d: number | null) => d === 1 || d === 3;
const imageSide = (d: number | null) => d === null || d >= 8;
const fmt = (shape: readonly (number | string | null)[] | undefined) => (shape ? `[${shape.map((d) => d ?? '?').join(', ')}]` : 'of unknown shape');

/**
 * Read a classifier's interface from its graph, its metadata and the explicit fields, in that precedence:
 * explicit > metadata (`medslim.preprocess`, `medslim.labels`, `medslim.output`) > graph.
 *
 * - Input: exactly one non-initializer input, rank 4, element type float32/float16/float64 (fed the contract's
 *   float values) or uint8/int32/int64 (fed raw pixels: the contract is the identity, normalisation is in the
 *   graph). Layout from `explicit.layout`, else the metadata contract's layout, else the shape: NCHW when dim 1
 *   is 1 or 3 and dims 2, 3 are ≥ 8 (or dynamic), NHWC when dim 3 is 1 or 3 and dims 1, 2 are ≥ 8 (or dynamic);
 *   a shape that fits both or neither is refused (AMBIGUOUS_LAYOUT names `--layout`). C must be 1 or 3 and
 *   fixed; batch fixed (e.g. 1) or dynamic; H, W fixed or dynamic.
 * - Contract: explicit scale/mean/std (scale required; mean defaults to [0], std to [1]), else the metadata
 *   contract, else the identity for an integer input, else null (only evidence can settle it).
 * - Output: `explicit.output` by name, else `medslim.output`, else the outputs shaped [N, K] (trailing 1-dims
 *   allowed) with a supported type: one candidate → it; several → those whose K equals `numClasses`, then
 *   by name (logit > prob/softmax > score/class/pred); still several → AMBIGUOUS_OUTPUT naming `--output`.
 *   Never an output with K ≠ `numClasses` (e.g. an embedding).
 * - Kind: from the graph's last op on the output's path (through Identity/Reshape/Flatten/Squeeze/Unsqueeze/
 *   Cast/Dropout): Softmax → probabilities, LogSoftmax → log-probabilities, anything else → logits; a Sigmoid
 *   is refused (independent per-class scores are not single-label class scores). `medslim.output`'s kind wins.
 * @throws IntakeError MODEL_INPUT, MODEL_OUTPUT, UNSUPPORTED_TYPE, AMBIGUOUS_LAYOUT, AMBIGUOUS_OUTPUT,
 *   BAD_CONTRACT, BAD_METADATA, CLASS_MISMATCH — each naming the flag or re-export that fixes it.
 */
export function readModelInterface(model: ModelProto, opts: ReadInterfaceOptions = {}): StaticInterface {
  const what = opts.what ?? 'the model';
  const explicit = opts.explicit ?? {};
  const g = model.graph;
  if (!g) throw new IntakeError('MODEL_INPUT', `${what} has no graph`);
  const meta = getMetadata(model);

  // ---- Input.
  const inputs = realInputs(g);
  if (inputs.length !== 1) {
    throw new IntakeError('MODEL_INPUT', `${what} has ${inputs.length} inputs (${inputs.map((i) => `'${i.name}'`).join(', ')}); medslim needs an image classifier with exactly one image input`);
  }
  const vi = inputs[0];
  const inputName = vi.name ?? '';
  const elem = vi.type?.tensorType?.elemType ?? 0;
  const dtype = dtypeFromOnnx(elem)?.name as TensorType | undefined;
  if (!dtype || !INPUT_TYPES.includes(dtype)) {
    throw new IntakeError('UNSUPPORTED_TYPE', `${what}'s input '${inputName}' has element type ${dtypeFromOnnx(elem)?.name ?? `ONNX type ${elem}`}; medslim feeds float32, float16 or float64 (preprocessed pixels) or uint8, int32 or int64 (raw pixels) — re-export with one of those input types`);
  }
  const shape = valueShape(vi);
  if (!shape || shape.length !== 4) {
    throw new IntakeError('MODEL_INPUT', `${what}'s input '${inputName}' is ${fmt(shape)}${shape ? ` (rank ${shape.length})` : ''}; medslim needs a 4-D image input [N, C, H, W] or [N, H, W, C] — re-export with the channel axis kept`);
  }
  const d = shape.map(fixed);
  const metaContract = readMetadataContract(meta, what);
  let layout: Layout;
  let layoutSource: InterfaceSource;
  if (explicit.layout) [layout, layoutSource] = [explicit.layout, 'explicit'];
  else if (metaContract) [layout, layoutSource] = [metaContract.layout, 'metadata'];
  else {
    const nchw = isChannels(d[1]) && imageSide(d[2]) && imageSide(d[3]);
    const nhwc = isChannels(d[3]) && imageSide(d[1]) && imageSide(d[2]);
    if (nchw === nhwc) {
      throw new IntakeError('AMBIGUOUS_LAYOUT', `${what}'s input '${inputName}' is ${fmt(shape)}: its layout cannot be read from the shape (${nchw ? 'it fits both NCHW and NHWC' : 'no axis is a fixed channel count of 1 or 3 next to two image sides ≥ 8'}); give it with --layout NCHW or --layout NHWC (API: contract.layout)`);
    }
    [layout, layoutSource] = [nchw ? 'NCHW' : 'NHWC', 'graph'];
  }
  const channels = layout === 'NCHW' ? d[1] : d[3];
  const [height, width] = layout === 'NCHW' ? [d[2], d[3]] : [d[1], d[2]];
  if (channels === null || !isChannels(channels)) {
    throw new IntakeError('MODEL_INPUT', `${what}'s input '${inputName}' is ${fmt(shape)}; read as ${layout} its channel axis is ${channels ?? 'dynamic'}, but medslim needs a fixed 1 (grayscale) or 3 (RGB)${layoutSource === 'graph' ? '' : ` — check the layout (${layoutSource === 'explicit' ? '--layout' : 'metadata medslim.preprocess'} says ${layout})`}`);
  }

  // ---- Contract.
  const integer = isIntegerInput(dtype);
  let contract: InputContract | null;
  let contractSource: InterfaceSource;
  if (explicit.scale !== undefined || explicit.mean !== undefined || explicit.std !== undefined) {
    if (explicit.scale === undefined) {
      throw new IntakeError('BAD_CONTRACT', `an explicit normalisation needs --scale (API: contract.scale), e.g. --scale 1/255 with --mean ${explicit.mean?.join(',') ?? '0.5'} --std ${explicit.std?.join(',') ?? '0.5'}`);
    }
    contract = { layout, scale: explicit.scale, mean: explicit.mean ?? [0], std: explicit.std ?? [1] };
    contractSource = 'explicit';
  } else if (metaContract) [contract, contractSource] = [{ ...metaContract, layout }, 'metadata'];
  else if (integer) [contract, contractSource] = [identityContract(layout), 'graph'];
  else [contract, contractSource] = [null, 'none'];
  if (contract) {
    if (integer && (contract.scale !== 1 || contract.mean.some((m) => m !== 0) || contract.std.some((s) => s !== 1))) {
      throw new IntakeError('BAD_CONTRACT', `${what}'s input '${inputName}' is ${dtype}: it takes raw pixels and normalises inside the graph, so its contract is the identity (scale 1, mean 0, std 1); the ${contractSource === 'explicit' ? 'explicit --scale/--mean/--std' : 'metadata medslim.preprocess'} asks for scale ${contract.scale}, mean ${contract.mean.join(',')}, std ${contract.std.join(',')} — drop it`);
    }
    for (const [field, list] of [['mean', contract.mean], ['std', contract.std]] as const) {
      if (list.length !== 1 && list.length !== channels) {
        throw new IntakeError('BAD_CONTRACT', `the ${contractSource === 'explicit' ? `--${field}` : `metadata medslim.preprocess '${field}'`} has ${list.length} values but ${what} takes ${channels} channel(s); give 1 value or ${channels}`);
      }
    }
  }

  // ---- Labels.
  let labels: string[] | null = null;
  let labelsSource: InterfaceSource = 'none';
  if (explicit.labels) [labels, labelsSource] = [[...explicit.labels], 'explicit'];
  else {
    let fromMeta: string[] | undefined;
    try {
      fromMeta = labelsFromMetadata(meta);
    } catch (cause) {
      throw new IntakeError('BAD_METADATA', `${what}: ${(cause as Error).message}`, { cause });
    }
    if (fromMeta) [labels, labelsSource] = [fromMeta, 'metadata'];
  }

  // ---- Output.
  const out = chooseOutput(g, meta, explicit, opts.numClasses, what);
  if (opts.numClasses !== undefined && out.numClasses !== null && out.numClasses !== opts.numClasses) {
    throw new IntakeError('CLASS_MISMATCH', `${what}'s class-score output '${out.name}' has K = ${out.numClasses} classes but the dataset's labels have ${opts.numClasses}; use the model trained on this dataset${out.source === 'graph' ? ', or name the class-score output with --output (API: contract.output)' : ''}`);
  }
  if (labels && out.numClasses !== null && labels.length !== out.numClasses) {
    throw new IntakeError('CLASS_MISMATCH', `${labelsSource === 'explicit' ? '--labels' : 'metadata medslim.labels'} names ${labels.length} classes but ${what}'s output '${out.name}' has K = ${out.numClasses}; give one name per class, in class-index order`);
  }
  if (labels && opts.numClasses !== undefined && labels.length !== opts.numClasses) {
    throw new IntakeError('CLASS_MISMATCH', `${labelsSource === 'explicit' ? '--labels' : 'metadata medslim.labels'} names ${labels.length} classes but the dataset's labels have ${opts.numClasses}; give one name per class, in class-index order`);
  }

  return {
    input: { name: inputName, dtype, layout, batch: d[0], channels, height, width },
    output: { name: out.name, index: out.index, dtype: out.dtype, kind: out.kind, numClasses: out.numClasses ?? opts.numClasses ?? null, labels },
    contract,
    sources: { layout: layoutSource, contract: contractSource, output: out.source, kind: out.kindSource, labels: labelsSource },
    evidence: null,
  };
}

function readMetadataContract(meta: Record<string, string>, what: string): InputContract | undefined {
  if (!Object.hasOwn(meta, PREPROCESS_METADATA_KEY)) return undefined;
  try {
    return parseContract(meta[PREPROCESS_METADATA_KEY], `${what}'s metadata '${PREPROCESS_METADATA_KEY}'`);
  } catch (cause) {
    throw new IntakeError('BAD_METADATA', (cause as Error).message, { cause });
  }
}

interface OutputInfo {
  name: string;
  index: number;
  dtype: TensorType | undefined;
  shape: (number | string | null)[] | undefined;
  /** K when the shape is [N, K] (trailing or inner 1-dims allowed) with K fixed; null when K is dynamic; undefined when not score-shaped. */
  k: number | null | undefined;
}

function describeOutputs(g: GraphProto): OutputInfo[] {
  return (g.output ?? []).map((v, index) => {
    const shape = valueShape(v);
    const dtype = dtypeFromOnnx(v.type?.tensorType?.elemType ?? 0)?.name as TensorType | undefined;
    let k: number | null | undefined;
    if (!shape) k = null;
    else if (shape.length < 2) k = undefined;
    else {
      const rest = shape.slice(1).map(fixed);
      const big = rest.filter((x) => x !== 1);
      if (big.length === 0) k = 1;
      else if (big.length === 1) k = big[0];
      else k = undefined;
    }
    return { name: v.name ?? '', index, dtype, shape, k };
  });
}

const NAME_PREFERENCE = [/logit/i, /prob|softmax/i, /score|class|pred/i];

function chooseOutput(g: GraphProto, meta: Record<string, string>, explicit: ExplicitContract, numClasses: number | undefined, what: string) {
  const outs = describeOutputs(g);
  const list = () => outs.map((x) => `'${x.name}' ${x.dtype ?? '?'} ${fmt(x.shape)}`).join(', ');
  if (outs.length === 0) throw new IntakeError('MODEL_OUTPUT', `${what} has no output`);
  let metaOut: { name?: unknown; kind?: unknown } | undefined;
  if (Object.hasOwn(meta, OUTPUT_METADATA_KEY)) {
    try {
      metaOut = JSON.parse(meta[OUTPUT_METADATA_KEY]) as { name?: unknown; kind?: unknown };
    } catch (cause) {
      throw new IntakeError('BAD_METADATA', `${what}'s metadata '${OUTPUT_METADATA_KEY}' is not JSON like {"name":"logits","kind":"logits"}`, { cause });
    }
  }
  let chosen: OutputInfo | undefined;
  let source: InterfaceSource;
  if (explicit.output !== undefined) {
    chosen = outs.find((x) => x.name === explicit.output);
    if (!chosen) throw new IntakeError('MODEL_OUTPUT', `--output '${explicit.output}' (API: contract.output) is not an output of ${what}; its outputs are ${list()}`);
    source = 'explicit';
  } else if (metaOut && typeof metaOut.name === 'string') {
    chosen = outs.find((x) => x.name === metaOut!.name);
    if (!chosen) throw new IntakeError('BAD_METADATA', `${what}'s metadata '${OUTPUT_METADATA_KEY}' names output '${metaOut.name}', which the graph does not have; its outputs are ${list()}`);
    source = 'metadata';
  } else {
    const shaped = outs.filter((x) => x.k !== undefined && x.k !== 1);
    let cands = shaped.filter((x) => x.dtype !== undefined && OUTPUT_TYPES.includes(x.dtype));
    // One score-shaped output of a type medslim cannot read: say so (below) rather than "no scores".
    if (cands.length === 0 && shaped.length === 1) cands = shaped;
    if (numClasses !== undefined) {
      const exact = cands.filter((x) => x.k === numClasses);
      cands = exact.length > 0 ? exact : cands.filter((x) => x.k === null);
    }
    if (cands.length > 1) {
      for (const re of NAME_PREFERENCE) {
        const named = cands.filter((x) => re.test(x.name));
        if (named.length === 1) { cands = named; break; }
        if (named.length > 1) { cands = named; }
      }
    }
    if (cands.length === 0) {
      throw new IntakeError(numClasses !== undefined && outs.some((x) => typeof x.k === 'number' && x.k >= 2) ? 'CLASS_MISMATCH' : 'MODEL_OUTPUT',
        `${what} has no output of class scores [N, K]${numClasses !== undefined ? ` with K = ${numClasses} (the dataset's classes)` : ''}; its outputs are ${list()} — export the classifier's logits [N, num_classes], or name the output with --output (API: contract.output)`);
    }
    if (cands.length > 1) {
      throw new IntakeError('AMBIGUOUS_OUTPUT', `${what} has several outputs that could be the class scores (${cands.map((x) => `'${x.name}' ${fmt(x.shape)}`).join(', ')}); name the one with the class scores with --output <name> (API: contract.output)`);
    }
    chosen = cands[0];
    source = 'graph';
  }
  if (chosen.dtype === undefined || !OUTPUT_TYPES.includes(chosen.dtype)) {
    throw new IntakeError('UNSUPPORTED_TYPE', `${what}'s output '${chosen.name}' has element type ${chosen.dtype ?? 'unknown'}; medslim reads class scores of type float32, float16 or float64 — integer scores have an unknown scale, so probabilities, AUC and calibration cannot be read from them: export the float logits (before any Cast)`);
  }
  if (chosen.k === undefined || chosen.k === 1) {
    throw new IntakeError('MODEL_OUTPUT', `${what}'s output '${chosen.name}' is ${fmt(chosen.shape)}: not per-class scores [N, K] with K ≥ 2 (${chosen.k === 1 ? 'one score per image' : 'class indices or a feature map'}); export the classifier's logits [N, num_classes]${source === 'graph' ? '' : ', or name another output with --output'}`);
  }
  let kind: OutputKind;
  let kindSource: InterfaceSource;
  if (metaOut && metaOut.name === chosen.name && typeof metaOut.kind === 'string') {
    if (!['logits', 'probabilities', 'log-probabilities'].includes(metaOut.kind)) {
      throw new IntakeError('BAD_METADATA', `${what}'s metadata '${OUTPUT_METADATA_KEY}' has kind '${metaOut.kind}'; expected logits, probabilities or log-probabilities`);
    }
    [kind, kindSource] = [metaOut.kind as OutputKind, 'metadata'];
  } else {
    const last = lastOp(g, chosen.name);
    if (last === 'Sigmoid') {
      throw new IntakeError('MODEL_OUTPUT', `${what}'s output '${chosen.name}' ends in a Sigmoid: independent per-class probabilities, not single-label class scores; export the logits before the Sigmoid${source === 'graph' ? '' : ' or choose another output with --output'}`);
    }
    kind = last === 'Softmax' ? 'probabilities' : last === 'LogSoftmax' ? 'log-probabilities' : 'logits';
    kindSource = 'graph';
  }
  return { name: chosen.name, index: chosen.index, dtype: chosen.dtype, numClasses: chosen.k, kind, source, kindSource };
}

/** Ops that pass class scores through unchanged (up to shape or type). */
const PASS_THROUGH = new Set(['Identity', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Cast', 'Dropout', 'QuantizeLinear', 'DequantizeLinear']);

/** The op type that gives `tensor` its values: walks back through shape/type-only ops; '' for a graph input or initializer. */
function lastOp(g: GraphProto, tensor: string): string {
  const prod = producers(g);
  let name = tensor;
  for (let step = 0; step < 32; step++) {
    const n = prod.get(name);
    if (!n) return '';
    if (!PASS_THROUGH.has(n.opType ?? '') || !n.input?.[0]) return n.opType ?? '';
    name = n.input[0];
  }
  return '';
}

/**
 * What reading the model would refuse whatever the dataset — for a submission check before any data is read
 * (the API answers it with 4xx at job submission instead of failing the job later). The interface is read with
 * every class count that could change the outcome (each fixed K ≥ 2 of the model's outputs, and one that none
 * has); only when every read fails is the model refused: with the error of the read without a class count, or
 * of the read with the K of the output it would pick. Contracts that need the validation evidence are not
 * judged here (that takes the data; the job decides, NO_CONTRACT).
 * @returns null when some dataset could make the interface readable; else the IntakeError the job would end with
 *   (MODEL_INPUT, MODEL_OUTPUT, UNSUPPORTED_TYPE, AMBIGUOUS_LAYOUT, AMBIGUOUS_OUTPUT, BAD_CONTRACT, BAD_METADATA,
 *   CLASS_MISMATCH), its message naming the field that fixes it.
 */
export function refusalForAnyDataset(model: ModelProto, o: Omit<ReadInterfaceOptions, 'numClasses'> = {}): IntakeError | null {
  const attempt = (numClasses: number | undefined): IntakeError | null => {
    try {
      readModelInterface(model, { ...o, numClasses });
      return null;
    } catch (e) {
      if (e instanceof IntakeError) return e;
      throw e;
    }
  };
  const ks = [...new Set(model.graph ? describeOutputs(model.graph).flatMap((x) => (typeof x.k === 'number' && x.k >= 2 ? [x.k] : [])) : [])];
  const trials = [...ks, Math.max(2, ...ks) + 1];
  const errors = trials.map(attempt);
  if (errors.some((e) => e === null)) return null;
  return attempt(undefined) ?? errors[0];
}
