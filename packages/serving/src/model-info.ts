/**
 * What the serving path needs to know about one model, worked out once when its session loads — read by
 * @medslim/intake, the same reader the compression jobs use: input name, element type, layout, batch and
 * C/H/W, the class-score output and its kind, the input contract and class names.
 *
 * Serving never guesses a contract: a model whose float input carries no `medslim.preprocess` metadata is
 * refused at load with 422 MODEL_INTERFACE (versions medslim's jobs register always carry it; see README
 * "Bring your own model"). Integer (raw-pixel) inputs need no contract (the graph normalises).
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { InputContract, OutputKind, TensorType } from '@medslim/contracts';
import { IntakeError, readModelInterface, type StaticInterface } from '@medslim/intake';
import { readModel } from '@medslim/onnx';
import { ServingError } from './errors.ts';

/** A loaded model's interface. Dynamic dims are -1. */
export interface ModelInfo {
  /** Name of the (single) image input, e.g. 'input'. */
  readonly inputName: string;
  /** Element type the input is fed as (float32 …, or raw uint8/int32/int64 pixels). */
  readonly inputType: TensorType;
  /** Name of the class-score output, e.g. 'logits'. */
  readonly outputName: string;
  /** What the output holds: logits (softmaxed for answers), probabilities (used as they are) or log-probabilities (exponentiated). */
  readonly outputKind: OutputKind;
  /** Input dims in the model's layout, dynamic dims as -1, e.g. [-1, 1, 28, 28]. */
  readonly inputDims: readonly number[];
  /** Fixed batch size, or -1 when the batch dim is dynamic (a fixed batch runs a request image by image). */
  readonly batch: number;
  /** Channels C (always fixed). */
  readonly channels: number;
  /** Height and width, or -1 when dynamic (images are then used at their own size). */
  readonly height: number;
  readonly width: number;
  /** The model's input contract (`medslim.preprocess`, or the identity for a raw-pixel input). */
  readonly contract: InputContract;
  /** Class names from `medslim.labels`, or null (answers then name classes by index: "0", "1", …). */
  readonly labels: readonly string[] | null;
  /** Number of classes K, or -1 when dynamic (known after warm-up). */
  classes: number;
  /** The interface as @medslim/intake read it. */
  readonly iface: StaticInterface & { contract: InputContract };
  /** Size of the ONNX file in bytes (what the session cache budgets by). */
  readonly bytes: number;
}

/**
 * Describe a model from its bytes (the session is only used for nothing more than having loaded).
 * @throws ServingError 'MODEL_INTERFACE' (422) when the model cannot be read right — no contract for a float
 *   input, an ambiguous layout or output, unsupported types, bad metadata (the message says which and how to
 *   fix it); 'MODEL_UNAVAILABLE' when its bytes are not a readable ONNX model.
 */
export function describeModel(bytes: Uint8Array, _session: InferenceSession, what: string): ModelInfo {
  let model;
  try {
    model = readModel(bytes, what);
  } catch (cause) {
    throw new ServingError('MODEL_UNAVAILABLE', `${what} cannot be served: it could not be read as ONNX (${(cause as Error).message})`, { cause });
  }
  let s: StaticInterface;
  try {
    s = readModelInterface(model, { what });
  } catch (cause) {
    if (cause instanceof IntakeError) throw new ServingError('MODEL_INTERFACE', `${what} cannot be served: ${cause.message}`, { cause });
    throw cause;
  }
  if (!s.contract) {
    throw new ServingError('MODEL_INTERFACE', `${what} cannot be served: its float input '${s.input.name}' carries no preprocessing contract (metadata medslim.preprocess), and serving never guesses one. Versions registered by medslim's quantize and compress jobs carry it; run the model through a job (giving the contract with the job's "contract" option if the model does not say), or add the metadata to the model`);
  }
  const iface = { ...s, contract: s.contract };
  const { layout, batch, channels, height, width } = s.input;
  const dim = (d: number | null) => d ?? -1;
  return {
    inputName: s.input.name,
    inputType: s.input.dtype,
    outputName: s.output.name,
    outputKind: s.output.kind,
    inputDims: layout === 'NCHW' ? [dim(batch), channels, dim(height), dim(width)] : [dim(batch), dim(height), dim(width), channels],
    batch: dim(batch),
    channels,
    height: dim(height),
    width: dim(width),
    contract: s.contract,
    labels: s.output.labels,
    classes: dim(s.output.numClasses),
    iface,
    bytes: bytes.byteLength,
  };
}
