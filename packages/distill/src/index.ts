/** @medslim/distill — knowledge distillation of an ONNX teacher into a MobileNetV2-family student with TensorFlow.js. */
/** Student architecture: configs, parameters, forward pass. */
export { referenceStudent, withWidth, validateStudent, hiddenChannels, hasResidual, hasExpand, type StudentConfig, type BlockConfig } from './student/config.ts';
export { initStudent, namedVariables, parameterCount, disposeStudent, snapshot, restore, seededNormal, type StudentParams, type ConvBn, type BlockParams, type BatchNormParams } from './student/params.ts';
export { saveStudent, loadStudent } from './student/io.ts';
export { forward, applyStatUpdates, BN_EPSILON, BN_MOMENTUM, type StatUpdates } from './student/forward.ts';
/** The loss: Hinton KD. */
export { kdLoss, type KdLossConfig } from './loss.ts';
/** Training loop, optimizers and augmentation. */
export { trainStudent, predictLogits, validationMetrics, defaultTrainConfig, type TrainConfig, type TrainData, type TrainProgress, type TrainResult, type TrainOptions, type OnlineTeacher } from './train.ts';
/** Data-parallel training over worker threads and the online teacher thread. */
export { defaultTrainingThreads, shardBounds } from './parallel/pool.ts';
export { createOnlineTeacher, type OnlineTeacherOptions, type ClosableOnlineTeacher } from './parallel/online-teacher.ts';
/** Image augmentation helpers (also used by bench/agreement-proxy for perturbed validation views). */
export { copyAugmented, jitterInPlace, mixInto, sampleBeta, type AugmentOptions } from './augment.ts';
export { learningRate, type OptimizerName, type ScheduleName } from './optimizer.ts';
/** Teacher signal (logits through onnxruntime-node, cached on disk). */
export { teacherSignal, teacherCacheKey, type TeacherLogits, type TeacherSignalOptions } from './teacher.ts';
/** ONNX export of a student (BatchNorm folded, NCHW graph). */
export { exportStudentOnnx, foldConvBn, samePads, type ExportOptions } from './export.ts';
/** Training backends (tfjs-node-gpu → tfjs-node → wasm with medslim's kernels) and the wasm memory guard. */
export { selectTrainingBackend, maxWasmBatch, checkBatchForBackend, type SelectedTrainingBackend } from './backend/index.ts';
/** Errors: one class, stable codes. */
export { DistillError } from './errors.ts';
