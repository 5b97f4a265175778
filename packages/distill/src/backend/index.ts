export {
  selectTrainingBackend,
  registerTrainingBackend,
  resetTrainingBackends,
  probeGpu,
} from './select.ts';
export type {
  SelectedTrainingBackend,
  SelectTrainingBackendOptions,
  TrainingBackendCandidate,
  TrainingBackendName,
  TrainingBackendPreference,
  CandidateContext,
  Tfjs,
} from './select.ts';
export { maxWasmBatch, checkBatchForBackend, maxBatchForBackend, referencePixels, wasmPeakMBPerImage } from './memory.ts';
export { ensureTfjsGradients, tfjsGradientsRegistered } from './gradients.ts';
