/**
 * The teacher as a job reads it: the dataset loaded and the teacher's interface resolved through
 * @medslim/intake (flags > metadata > graph > validation evidence, or a refusal naming the flags).
 */
import type { ExplicitContract, ModelInterface } from '@medslim/contracts';
import { loadDataset, type Dataset, type SplitName } from '@medslim/data';
import { classNames, resolveModelInterface } from '@medslim/intake';
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
 * Load the dataset and resolve the teacher's interface on it.
 * @param requireSplits splits the job needs (the evidence rule additionally uses val when present)
 * @throws IntakeError (NO_CONTRACT, AMBIGUOUS_LAYOUT, AMBIGUOUS_OUTPUT, CLASS_MISMATCH, SIZE_MISMATCH, …),
 *   JobError SIZE_MISMATCH (3-channel images for a 1-channel model), DataError, OnnxError.
 */
export async function loadJobInputs(teacher: string | Uint8Array, dataPath: string, explicit: ExplicitContract | undefined, requireSplits: SplitName[]): Promise<JobInputs> {
  const teacherBytes = typeof teacher === 'string' ? readModelBytes(teacher) : teacher;
  const teacherModel = readModel(teacherBytes, typeof teacher === 'string' ? teacher : 'teacher model');
  const ds = loadDataset(dataPath, { requireSplits });
  const iface = await resolveModelInterface(teacherBytes, { explicit, dataset: ds, what: 'the teacher' }, teacherModel);
  if (ds.channels === 3 && iface.input.channels === 1) {
    throw new JobError('SIZE_MISMATCH', `images in ${dataPath} have 3 channels but the teacher expects 1; convert the dataset to grayscale`);
  }
  const k = ds.numClasses;
  return { teacherBytes, teacherModel, ds, iface, k, labelNames: classNames(iface, k) };
}
