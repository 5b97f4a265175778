/**
 * Top-1 accuracy and top-1 agreement between two classifiers.
 */
import { checkNonEmpty, checkSameLength } from './validate.ts';

function fractionEqual(a: Int32Array, aName: string, b: Int32Array, bName: string): number {
  checkSameLength(a, aName, b, bName);
  checkNonEmpty(a.length, `${aName}.length`);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/**
 * Top-1 accuracy: fraction of samples with `pred[i] === labels[i]`, in [0, 1].
 *
 * @param pred Int32Array `[N]` predicted class ids (e.g. from {@link argmax}).
 * @param labels Int32Array `[N]` true class ids.
 * @throws {EvalError} `LENGTH_MISMATCH` if lengths differ; `EMPTY_INPUT` if N = 0.
 */
export function accuracy(pred: Int32Array, labels: Int32Array): number {
  return fractionEqual(pred, 'pred', labels, 'labels');
}

/**
 * Top-1 agreement: fraction of samples on which two models predict the same
 * class, in [0, 1] (used to compare a compressed student with its teacher;
 * independent of the true labels).
 *
 * @param predA Int32Array `[N]` top-1 class ids of model A (e.g. the compressed model).
 * @param predB Int32Array `[N]` top-1 class ids of model B (e.g. the teacher), same sample order.
 * @throws {EvalError} `LENGTH_MISMATCH` if lengths differ; `EMPTY_INPUT` if N = 0.
 */
export function agreement(predA: Int32Array, predB: Int32Array): number {
  return fractionEqual(predA, 'predA', predB, 'predB');
}
