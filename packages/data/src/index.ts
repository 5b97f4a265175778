/**
 * @medslim/data — load MedMNIST-style .npz datasets and turn them into float32
 * NCHW/NHWC batches per a model's input contract.
 */

/** Error class (with a stable `code`) thrown by everything in this package. */
export { DataError, type DataErrorCode } from './errors.ts';

/** C-order n-d array (`{ dtype, shape, data }`) and a validating constructor. */
export { ndarray, type NdArray, type NdArrayOf, type DType, type TypedArray } from './ndarray.ts';

/** Read / write one array in NumPy NEP-1 .npy format (v1.0–3.0 read, v1.0 write). */
export { parseNpy, writeNpy } from './npy.ts';

/** Read / write a .npz archive (zip of `key.npy`, stored or deflated). */
export { loadNpz, writeNpz } from './npz.ts';

/** The one zip reader (central directory, bounded inflation); `readZipBounded` for archives that are not datasets. */
export { readZipBounded, writeZip, isZip, type ReadZipOptions } from './zip.ts';

/** Load + validate a MedMNIST .npz ({train,val,test}_{images,labels}) with its sha256 fingerprint. */
export { loadDataset, type Dataset, type Split, type SplitName, type ImageArray, type LoadDatasetOptions } from './dataset.ts';

/** Report `dataset` field: fingerprint plus per-split count and class counts. */
export { datasetSummary, type DatasetSummary, type SplitSummary } from './summary.ts';

/** Model input contract ((p·scale − mean)/std, layout) and its ONNX-metadata form. */
export {
  parseContract,
  contractFromMetadata,
  contractToMetadata,
  labelsFromMetadata,
  PREPROCESS_METADATA_KEY,
  LABELS_METADATA_KEY,
  type InputContract,
  type Layout,
} from './contract.ts';

/** Convert images [N,H,W(,C)] to a float32 model input tensor per the contract. */
export { toModelInput, type ModelInput, type ModelInputOptions } from './preprocess.ts';

/** Deterministic batches, seeded samples (e.g. calibration images) and prefixes of indices. */
export { batchIndices, sampleIndices, takeFirst, type BatchOptions } from './batch.ts';

/** Seeded PRNG and permutation for reproducible shuffles. */
export { mulberry32, seededUniform, permutation } from './random.ts';

/** SHA-256 hex of bytes (same as `sha256sum`). */
export { sha256Hex } from './fingerprint.ts';
