/**
 * The teacher as a job reads it: the dataset loaded and the teacher's interface resolved through
 * @medslim/intake (flags > metadata > graph > validation evidence, or a refusal naming the flags).
 */
import type { ExplicitContract, ModelInterface } from '@medslim/contracts';
import { loadDataset, type Dataset, type SplitName } from '@medslim/data';
import { classNames, readModelInterface, resolveModelInterface, type StaticInterface } from '@medslim/intake';
import { readModel, readModelBytes, type ModelProto } from '@medslim/onnx';
import { JobError } from './errors.ts';

export type { ModelInterface };

/** A job's teacher and data, checked to fit. */
export interface JobInputs {
  teacherBytes: Uint8Array;
  teacherModel: ModelProto;
  ds: Dataset;
  iface: ModelInterface;
  /** Number of classes K. */
  k: number;
  /** Class names, in class-index order (the interface's labels, else '0', '1', …). */
  labelNames: string[];
}

/**
 * Load the dataset and resolve the teacher's interface on it. Checks run in the order a user fixes them: the
 * model's own class count against the labels (when the graph fixes K for one score output), then image size and
 * channels, then the interface (which may need the validation evidence).
 * @param requireSplits splits the job needs (the evidence rule additionally uses val when present)
 * @param labelsWithinModel quantize: a label outside [0, K) of the model is reported as such (LABEL_OUT_OF_RANGE);
 *   either way the classes the labels use must be exactly the model's K
 * @throws IntakeError (NO_CONTRACT, AMBIGUOUS_LAYOUT, AMBIGUOUS_OUTPUT, CLASS_MISMATCH, SIZE_MISMATCH, …),
 *   JobError CLASS_MISMATCH / SIZE_MISMATCH, DataError (LABEL_OUT_OF_RANGE, …), OnnxError.
 */
export async function loadJobInputs(teacher: string | Uint8Array, dataPath: string, explicit: ExplicitContract | undefined, requireSplits: SplitName[], labelsWithinModel = false): Promise<JobInputs> {
  const teacherBytes = typeof teacher === 'string' ? readModelBytes(teacher) : teacher;
  const teacherModel = readModel(teacherBytes, typeof teacher === 'string' ? teacher : 'teacher model');
  // What the graph alone says (K, H×W), for the early checks; problems it has are reported by the full read below.
  let early: StaticInterface | undefined;
  try {
    early = readModelInterface(teacherModel, { explicit, what: 'the teacher' });
  } catch {
    early = undefined;
  }
  const modelK = early?.output.numClasses ?? undefined;
  const ds = loadDataset(dataPath, { requireSplits, ...(labelsWithinModel && modelK ? { numClasses: modelK } : {}) });
  // The classes the labels actually use: a K larger than that would score images over outputs that are not
  // this dataset's classes (an embedding read as class scores, or a teacher of another task).
  const used = Math.max(...Object.values(ds.splits).flatMap((sp) => (sp && sp.count > 0 ? [sp.labels.reduce((a, b) => Math.max(a, b), 0)] : []))) + 1;
  // (quantize tolerates a small or degenerate split whose labels miss a class of a binary model.)
  if (modelK !== undefined && (ds.numClasses !== modelK || (labelsWithinModel ? modelK > Math.max(used, 2) : used !== modelK))) {
    const have = labelsWithinModel ? used : ds.numClasses;
    throw new JobError('CLASS_MISMATCH', `the teacher${early?.sources.output === 'explicit' ? `'s output '${early.output.name}'` : ''} outputs ${modelK} classes but the dataset's labels have ${have} (0…${have - 1}); use the teacher trained on this dataset${have > modelK ? `, or fix labels outside [0, ${modelK})` : early && early.sources.output !== 'graph' ? ', or name the class-score output with --output (API: contract.output)' : ''}`);
  }
  if (early && ((early.input.height !== null && early.input.height !== ds.height) || (early.input.width !== null && early.input.width !== ds.width))) {
    throw new JobError('SIZE_MISMATCH', `images in ${dataPath} are ${ds.height}×${ds.width} but the model input '${early.input.name}' expects ${early.input.height}×${early.input.width}; resize the dataset or use the matching model`);
  }
  if (early && ds.channels === 3 && early.input.channels === 1) {
    throw new JobError('SIZE_MISMATCH', `images in ${dataPath} have 3 channels but the teacher expects 1; convert the dataset to grayscale`);
  }
  const iface = await resolveModelInterface(teacherBytes, { explicit, dataset: ds, what: 'the teacher' }, teacherModel);
  if (ds.channels === 3 && iface.input.channels === 1) {
    throw new JobError('SIZE_MISMATCH', `images in ${dataPath} have 3 channels but the teacher expects 1; convert the dataset to grayscale`);
  }
  const k = ds.numClasses;
  return { teacherBytes, teacherModel, ds, iface, k, labelNames: classNames(iface, k) };
}
