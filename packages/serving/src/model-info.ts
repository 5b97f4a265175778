/**
 * What the serving path needs to know about one model, worked out once when its session loads:
 * input/output names and shapes (from the ORT session), the input contract and class names (from
 * the model's `medslim.preprocess` / `medslim.labels` metadata), so the hot path reads fields only.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { contractFromMetadata, labelsFromMetadata, type InputContract } from '@medslim/data';
import { getMetadata, readModel } from '@medslim/onnx';
import { ServingError } from './errors.ts';

/** A loaded model's interface. Dynamic dims are -1. */
export interface ModelInfo {
  /** Name of the (single) image input, e.g. 'input'. */
  readonly inputName: string;
  /** Name of the first output, e.g. 'logits'. */
  readonly outputName: string;
  /** Input dims in the model's layout, dynamic dims as -1, e.g. [-1, 1, 28, 28]. */
  readonly inputDims: readonly number[];
  /** Fixed batch size, or -1 when the batch dim is dynamic. */
  readonly batch: number;
  /** Channels C (always fixed). */
  readonly channels: number;
  /** Height and width, or -1 when dynamic (images are then used at their own size). */
  readonly height: number;
  readonly width: number;
  /** The model's input contract (`medslim.preprocess`, else the package default x/255 NCHW). */
  readonly contract: InputContract;
  /** Class names from `medslim.labels`, or null (answers then name classes by index: "0", "1", …). */
  readonly labels: readonly string[] | null;
  /** Number of classes from the output shape [N, K], or -1 when dynamic (known after warm-up). */
  classes: number;
  /**
   * True when the output already holds probabilities (its name mentions 'prob' or 'softmax');
   * otherwise it is read as logits and a softmax is applied.
   */
  readonly outputIsProbabilities: boolean;
  /** Size of the ONNX file in bytes (what the session cache budgets by). */
  readonly bytes: number;
}

const dim = (d: number | string | undefined): number => (typeof d === 'number' && d > 0 ? d : -1);

/**
 * Describe a model from its bytes and its ORT session.
 * @throws ServingError 'MODEL_UNAVAILABLE' when the model has no float32 rank-4 input with a fixed
 *   channel count, or its metadata contract is invalid (names what is wrong).
 */
export function describeModel(bytes: Uint8Array, session: InferenceSession, what: string): ModelInfo {
  const unusable = (why: string, cause?: unknown) =>
    new ServingError('MODEL_UNAVAILABLE', `${what} cannot be served: ${why}`, cause === undefined ? undefined : { cause });
  let metadata: Record<string, string>;
  try {
    metadata = getMetadata(readModel(bytes, what));
  } catch (cause) {
    throw unusable(`its ONNX metadata could not be read (${(cause as Error).message})`, cause);
  }
  let contract: InputContract;
  let labels: string[] | undefined;
  try {
    contract = contractFromMetadata(metadata);
    labels = labelsFromMetadata(metadata);
  } catch (cause) {
    throw unusable((cause as Error).message, cause);
  }
  if (session.inputNames.length !== 1) {
    throw unusable(`it has ${session.inputNames.length} inputs (${session.inputNames.join(', ')}); an image classifier takes exactly one`);
  }
  const meta = session.inputMetadata[0];
  if (!meta?.isTensor || meta.type !== 'float32') {
    throw unusable(`its input '${session.inputNames[0]}' is not a float32 tensor`);
  }
  const inputDims = meta.shape.map(dim);
  if (inputDims.length !== 4) {
    throw unusable(`its input '${meta.name}' has rank ${inputDims.length}; expected 4 (${contract.layout})`);
  }
  const nchw = contract.layout === 'NCHW';
  const channels = nchw ? inputDims[1] : inputDims[3];
  if (channels < 1) throw unusable(`its input '${meta.name}' has a dynamic channel dimension; export it with a fixed channel count`);
  const outputName = session.outputNames[0];
  const out = session.outputMetadata[0];
  const outShape = out?.isTensor ? out.shape : [];
  const classes = outShape.length >= 2 ? dim(outShape.slice(1).reduce<number | string>((a, b) => (typeof a === 'number' && typeof b === 'number' ? a * b : -1), 1)) : -1;
  if (labels && classes > 0 && labels.length !== classes) {
    throw unusable(`metadata 'medslim.labels' names ${labels.length} classes but the output '${outputName}' has ${classes}`);
  }
  return {
    inputName: meta.name,
    outputName,
    inputDims,
    batch: inputDims[0],
    channels,
    height: nchw ? inputDims[2] : inputDims[1],
    width: nchw ? inputDims[3] : inputDims[2],
    contract,
    labels: labels ?? null,
    classes,
    outputIsProbabilities: /prob|softmax/i.test(outputName),
    bytes: bytes.byteLength,
  };
}
