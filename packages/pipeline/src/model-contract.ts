import { contractFromMetadata, labelsFromMetadata, type InputContract } from '@medslim/data';
import { getMetadata, realInputs, valueShape, type ModelProto } from '@medslim/onnx';
import { JobError } from './errors.ts';

/** What a job needs to know about a classifier: its one NCHW input, its logits output and its contract. */
export interface ModelInterface {
  inputName: string;
  outputName: string;
  /** Channels C, height H, width W of the NCHW input (fixed dims). */
  channels: number;
  height: number;
  width: number;
  /** Number of classes K (the logits' last dim), or null when the model does not fix it. */
  numClasses: number | null;
  contract: InputContract;
  labels?: string[];
}

/**
 * Reads the interface of an image classifier: exactly one float input `[N, C, H, W]` with fixed C, H, W
 * (C ∈ {1, 3}) and one output `[N, K]`; the input contract comes from the `medslim.preprocess` metadata
 * when present, else from `fallback` over MedMNIST's default (x/255).
 * @throws JobError MODEL_INPUT / MODEL_OUTPUT naming what is wrong and how to re-export.
 */
export function modelInterface(model: ModelProto, fallback: Partial<InputContract> = {}): ModelInterface {
  const g = model.graph!;
  const inputs = realInputs(g);
  if (inputs.length !== 1) {
    throw new JobError('MODEL_INPUT', `the model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); medslim needs an image classifier with exactly one input [N, C, H, W]`);
  }
  const shape = valueShape(inputs[0]) ?? [];
  if (shape.length !== 4 || ![shape[1], shape[2], shape[3]].every((d) => typeof d === 'number' && d > 0)) {
    throw new JobError('MODEL_INPUT', `the model input '${inputs[0].name}' has shape [${shape.map((d) => d ?? '?').join(', ')}]; medslim needs NCHW [N, C, H, W] with fixed C, H and W (export with a dynamic batch axis only)`);
  }
  const [, c, h, w] = shape as [unknown, number, number, number];
  if (c !== 1 && c !== 3) throw new JobError('MODEL_INPUT', `the model input has ${c} channels; medslim handles 1 (grayscale) or 3 (RGB)`);
  const outputs = g.output ?? [];
  if (outputs.length < 1) throw new JobError('MODEL_OUTPUT', 'the model has no output');
  const oshape = valueShape(outputs[0]);
  if (oshape && oshape.length !== 2) {
    throw new JobError('MODEL_OUTPUT', `the model output '${outputs[0].name}' has rank ${oshape.length}; medslim needs logits [N, K]`);
  }
  const k = oshape && typeof oshape[1] === 'number' ? oshape[1] : null;
  if (k !== null && k < 2) throw new JobError('MODEL_OUTPUT', `the model output has K = ${k} classes; a classifier needs K ≥ 2 logits`);
  const meta = getMetadata(model);
  return {
    inputName: inputs[0].name!,
    outputName: outputs[0].name!,
    channels: c,
    height: h,
    width: w,
    numClasses: k,
    contract: contractFromMetadata(meta, fallback),
    labels: labelsFromMetadata(meta),
  };
}
