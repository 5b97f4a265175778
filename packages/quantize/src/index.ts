/** @medslim/quantize — static INT8 post-training quantization of ONNX models in the QDQ format. */
/** The whole pass: optimize → plan → calibrate → insert QDQ. */
export { quantizeStatic, type QuantizeResult, type QuantizeProgress } from './quantize.ts';
/** Settings with ORT's defaults. */
export { defaultQuantizeConfig, resolveConfig, reduceRangeFor, SERVING_TARGETS, type QuantizeConfig, type Calibrator, type QType, type ServingTarget } from './config.ts';
/** The CPU this process runs on (model, architecture, VNNI) — where INT8 figures were measured. */
export { hostCpu, type HostCpu } from './host.ts';
/** Errors: one class, stable codes. */
export { QuantizeError } from './errors.ts';
/** Scale/zero-point formulas and (de)quantization of one value. */
export { computeQParams, quantizeValue, dequantizeValue, roundHalfEven, qRange, type QParams } from './qparams.ts';
/** Weight (int8, per-channel) and bias (int32) quantization. */
export { quantizeWeight, quantizeBias, type QuantizedWeight } from './weights.ts';
/** Activation calibration and histogram range estimators. */
export { calibrate, type CalibrationBatch, type TensorRange } from './calibrate.ts';
export { percentileRange, entropyRange, accumulate, type Histogram } from './histogram.ts';
/** The QDQ plan and rewrite, for callers that calibrate themselves. */
export { planQdq, tensorsToCalibrate, type QdqPlan, type FloatNode } from './plan.ts';
export { applyQdq } from './rewrite.ts';
/** ORT optimization and the integer-kernel check. */
export { optimizeWithOrt } from './optimize.ts';
export { verifyIntegerKernels, INTEGER_KERNELS, type KernelCheck } from './verify.ts';
