/**
 * Resolving a classifier's full interface: flags > metadata > graph, then evidence for the contract when
 * nothing else settles it — or a refusal naming the flags. Never a default.
 */
import * as ort from 'onnxruntime-node';
import type { ExplicitContract, InputContract, ModelInterface } from '@medslim/contracts';
import { contractToMetadata, LABELS_METADATA_KEY, PREPROCESS_METADATA_KEY, type Dataset } from '@medslim/data';
import { readModel, type ModelProto } from '@medslim/onnx';
import { CONTRACT_FLAGS_HINT, IntakeError } from './errors.ts';
import { contractEvidence } from './evidence.ts';
import { imageSize } from './feeds.ts';
import { isIntegerInput, OUTPUT_METADATA_KEY, readModelInterface, type StaticInterface } from './read.ts';

/** Metadata key recording where the contract of a model medslim wrote came from (lineage; not read back as a source). */
export const CONTRACT_SOURCE_METADATA_KEY = 'medslim.contract-source';

export interface ResolveOptions {
  explicit?: ExplicitContract;
  /** The dataset the job runs on: its classes pick the output, its size fills dynamic H×W, its val split feeds the evidence rule. */
  dataset?: Dataset;
  what?: string;
}

/**
 * The full interface of a model.
 * @param model ONNX bytes (or a decoded model together with its bytes)
 * @throws IntakeError NO_CONTRACT when neither flags, metadata nor graph give the contract and the evidence
 *   rule does not adopt one (or there is no validation split to measure on) — the message names the flags
 *   and, when measured, the candidates' validation accuracies; the other codes of readModelInterface.
 */
export async function resolveModelInterface(model: Uint8Array, opts: ResolveOptions = {}, decoded?: ModelProto): Promise<ModelInterface> {
  const what = opts.what ?? 'the model';
  const proto = decoded ?? readModel(model, what);
  const ds = opts.dataset;
  const s = readModelInterface(proto, { explicit: opts.explicit, numClasses: ds?.numClasses, what });
  if (ds) {
    const test = ds.splits.test ?? ds.splits.val ?? ds.splits.train;
    if (test) {
      const { height, width } = imageSize(s, test.images);
      s.input.height = height;
      s.input.width = width;
    }
  }
  if (s.contract) return { ...s, contract: s.contract };
  if (!ds?.splits.val || ds.splits.val.count === 0) {
    throw new IntakeError('NO_CONTRACT', `${what} carries no preprocessing contract (no medslim.preprocess metadata, float input '${s.input.name}') and there is no validation split to measure one on; ${CONTRACT_FLAGS_HINT}`);
  }
  const session = await createSession(model, what);
  try {
    const ev = await contractEvidence(session, s, ds);
    const { adoptedContract, ...evidence } = ev;
    if (!adoptedContract) {
      const table = evidence.candidates.map((c) => `${c.name} ${(c.accuracy * 100).toFixed(2)} %`).join(', ');
      throw new IntakeError('NO_CONTRACT', `${what} carries no preprocessing contract and the validation evidence does not settle one (${evidence.images} val images; ${table}; majority class ${(evidence.majorityRate * 100).toFixed(2)} %): ${evidence.refusal}. Refusing rather than guessing — ${CONTRACT_FLAGS_HINT}`);
    }
    return { ...s, contract: adoptedContract, sources: { ...s.sources, contract: 'evidence' }, evidence };
  } finally {
    await session.release();
  }
}

/** An ORT session for scoring (graph optimisation 'all'). @throws IntakeError INFERENCE_FAILED */
export async function createSession(model: Uint8Array, what = 'the model', options: ort.InferenceSession.SessionOptions = {}): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', ...options });
  } catch (cause) {
    throw new IntakeError('INFERENCE_FAILED', `ONNX Runtime could not load ${what}: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

/**
 * The contract a student trained on this teacher's data takes: the teacher's contract in NCHW for a float
 * teacher input; for an integer (raw-pixel) teacher input, x/255 NCHW — the student is a float network and
 * is trained on those values (its metadata says so).
 */
export function studentContract(iface: ModelInterface): InputContract {
  if (isIntegerInput(iface.input.dtype)) return { layout: 'NCHW', scale: 1 / 255, mean: [0], std: [1] };
  return { ...iface.contract, layout: 'NCHW' };
}

/**
 * The metadata that makes a model medslim writes read right on its own (by serving and later jobs):
 * `medslim.preprocess` (its contract), `medslim.labels`, `medslim.output` (class-score output and kind), and
 * `medslim.contract-source` (where the contract came from, for lineage).
 */
export function interfaceMetadata(parts: { contract: InputContract; labels: readonly string[] | null; output: { name: string; kind: ModelInterface['output']['kind'] }; contractSource: ModelInterface['sources']['contract'] }): Record<string, string> {
  return {
    [PREPROCESS_METADATA_KEY]: contractToMetadata(parts.contract),
    ...(parts.labels ? { [LABELS_METADATA_KEY]: parts.labels.join(',') } : {}),
    [OUTPUT_METADATA_KEY]: JSON.stringify({ name: parts.output.name, kind: parts.output.kind }),
    [CONTRACT_SOURCE_METADATA_KEY]: parts.contractSource,
  };
}

/** Class names of an interface: its labels, else '0', '1', … */
export function classNames(iface: Pick<ModelInterface, 'output'>, k: number): string[] {
  const l = iface.output.labels;
  return l && l.length === k ? [...l] : Array.from({ length: k }, (_, i) => String(i));
}

export type { StaticInterface };
