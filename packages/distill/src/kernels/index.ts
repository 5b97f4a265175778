// Registration (idempotent) and runtime switches.
export { registerWasmTrainingKernels, unregisterWasmTrainingKernels, wasmTrainingKernelsRegistered, MEDSLIM_MARK } from './register.ts';
export type { WasmTrainingKernelsSummary } from './register.ts';
export { wasmFastPaths, setWasmFastPaths, NO_FAST_PATHS } from './flags.ts';
export type { WasmFastPathFlags } from './flags.ts';

// Kernels wasm lacks.
export { conv2DBackpropFilterConfig, conv2DBackpropFilterWasm, IM2COL_MAX_PATCH } from './Conv2DBackpropFilter.ts';
export { depthwiseConv2dNativeBackpropInputConfig, depthwiseConv2dNativeBackpropInputWasm, zeroInsert } from './DepthwiseConv2dNativeBackpropInput.ts';
export {
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropFilterWasm,
  MAX_TAPS_PER_TAP_PATH,
} from './DepthwiseConv2dNativeBackpropFilter.ts';

// Fast paths wrapped around wasm's own kernels.
export { makeTileConfig, planTile, tileFastPath, broadcastRows } from './Tile.ts';
export type { TilePlan } from './Tile.ts';
export { makeConv2DBackpropInputConfig, conv2DBackpropInput1x1 } from './Conv2DBackpropInput.ts';
export { makeSumConfig, sumFastPath } from './Sum.ts';
export { makeMeanConfig, meanFastPath } from './Mean.ts';
export { planRowReduce, rowReduce } from './reduce.ts';
export type { RowReducePlan } from './reduce.ts';
export { makeFusedBatchNormConfig, fusedBatchNormFastPath } from './FusedBatchNorm.ts';
export { makeIdentityConfig, shareFastPath } from './Identity.ts';

// Cheaper gradients (global gradient configs, wasm-only fast paths).
export { MedslimRelu6Grad, defaultRelu6GradConfig, makeRelu6GradConfig, relu6GradKernelConfig, relu6GradWasm } from './Relu6Grad.ts';
export {
  MedslimFusedBatchNormGrad,
  perChannel,
  fusedBatchNormGradKernelConfig,
  fusedBatchNormGradWasm,
  makeFusedBatchNormGradConfig,
} from './FusedBatchNormGrad.ts';
export { makeMeanGradConfig, makeSumGradConfig } from './ReductionGrads.ts';
export {
  MedslimBatchNormTrain,
  MedslimBatchNormTrainGrad,
  batchNormTraining,
  batchNormTrainWasm,
  batchNormTrainGradWasm,
  batchNormTrainKernelConfig,
  batchNormTrainGradKernelConfig,
  batchNormTrainGradConfig,
} from './BatchNormTrain.ts';

// Shared with the backend selection.
export { maxWasmBatch, checkBatchForBackend } from '../backend/memory.ts';
export { ensureTfjsGradients } from '../backend/gradients.ts';
