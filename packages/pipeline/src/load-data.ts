import { loadDataset, type Dataset } from '@medslim/data';
import { JobError } from './errors.ts';
import type { ModelInterface } from './model-contract.ts';

/**
 * Prepares the test split and checks that model and data fit: labels in [0, K), image size and channels.
 * @throws JobError CLASS_MISMATCH / SIZE_MISMATCH, DataError for a malformed dataset.
 */
export function loadDataFor(iface: ModelInterface, dataPath: string): Dataset {
  // Only the test split is required here; each job checks the splits it uses (calibration, training) itself.
  const ds = loadDataset(dataPath, { requireSplits: ['test'], ...(iface.numClasses ? { numClasses: iface.numClasses } : {}) });
  if (ds.height !== iface.height || ds.width !== iface.width) {
    throw new JobError('SIZE_MISMATCH', `images in ${dataPath} are ${ds.height}×${ds.width} but the model input '${iface.inputName}' expects ${iface.height}×${iface.width}; resize the dataset or use the matching model`);
  }
  if (ds.channels === 3 && iface.channels === 1) {
    throw new JobError('SIZE_MISMATCH', `images in ${dataPath} have 3 channels but the model expects 1; convert the dataset to grayscale`);
  }
  return ds;
}
