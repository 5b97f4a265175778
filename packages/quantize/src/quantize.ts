import { defaultOpset, getMetadata, readModel, setMetadata, upgradeOpset, writeModel, type ModelProto, type OpsetUpgrade } from '@medslim/onnx';
import { calibrate, type CalibrationBatch, type TensorRange } from './calibrate.ts';
import { resolveConfig, type QuantizeConfig } from './config.ts';
import { optimizeWithOrt } from './optimize.ts';
import { planQdq, tensorsToCalibrate, type FloatNode } from './plan.ts';
import { applyQdq, type ActivationParams } from './rewrite.ts';

export interface QuantizeProgress {
  phase: 'optimize' | 'calibrate-minmax' | 'calibrate-histogram' | 'rewrite';
  done: number;
  total: number;
}

export interface QuantizeResult {
  /** The QDQ model, serialized. */
  bytes: Uint8Array;
  model: ModelProto;
  config: QuantizeConfig;
  /** Nodes running quantized, by op type (in the QDQ graph, before ORT fuses them). */
  quantizedOps: Record<string, number>;
  /** Nodes left in float with the reason. */
  floatNodes: FloatNode[];
  /** Relu/Clip nodes folded into their producer's output quantization. */
  foldedActivations: number;
  weights: number;
  biases: number;
  calibrationImages: number;
  ranges: Map<string, TensorRange>;
  activationParams: Map<string, ActivationParams>;
  maxRelativeWeightError: number;
  /**
   * The teacher's ai.onnx opset and what per-channel quantization needed: upgraded to 13 (with the rewrites made),
   * or kept — then `perTensorBecause` says why the weights are per-tensor although per-channel was asked for.
   */
  opset: OpsetUpgrade & { perTensorBecause?: string };
}

/**
 * Static INT8 post-training quantization in the QDQ format, the way ONNX Runtime's `quantize_static` does it:
 * 1. pre-process: ORT 'basic' optimization (BatchNorm folded into Conv, constants folded);
 * 2. plan which nodes, activations, weights and biases are quantized;
 * 3. calibrate activation ranges on `calibration` (float32 batches in the model's input contract,
 *    e.g. NCHW [n, C, H, W]) with minmax, percentile or entropy;
 * 4. insert QDQ pairs, quantize weights (int8 symmetric, per-channel) and biases (int32).
 * Per-channel needs opset 13: an opset-11/12 model is upgraded first (`upgradeOpset`) or, when its ops do not
 * allow that, quantized per-tensor; `result.opset` says which.
 * metadata_props are carried over, plus `medslim.quantization` describing the settings.
 * @throws QuantizeError (EMPTY_CALIBRATION, BAD_CONFIG, OPSET_TOO_OLD, BAD_RANGE), OnnxError for a bad model.
 */
export async function quantizeStatic(
  model: Uint8Array,
  calibration: readonly CalibrationBatch[],
  options: Partial<QuantizeConfig> = {},
  onProgress?: (p: QuantizeProgress) => void,
): Promise<QuantizeResult> {
  let config = resolveConfig(options);
  const original = readModel(model);
  const metadata = getMetadata(original);
  // Per-channel QDQ needs opset 13 (DequantizeLinear axis): upgrade an opset-11/12 graph where its ops allow,
  // else quantize per-tensor and say why.
  const from = defaultOpset(original);
  let opset: QuantizeResult['opset'] = { from, to: from, upgraded: false, changes: [], blockers: [] };
  let source = model;
  if (config.perChannel && from < 13) {
    const copy = readModel(model);
    opset = upgradeOpset(copy, 13);
    if (opset.upgraded) source = writeModel(copy);
    else {
      config = { ...config, perChannel: false };
      opset.perTensorBecause = `per-channel weights need opset 13 and the opset-${from} graph cannot be upgraded: ${opset.blockers.join('; ')}`;
    }
  }
  onProgress?.({ phase: 'optimize', done: 0, total: 1 });
  const optimizedBytes = await optimizeWithOrt(source, 'basic');
  onProgress?.({ phase: 'optimize', done: 1, total: 1 });
  const optimized = readModel(optimizedBytes, 'ORT-optimized model');
  const plan = planQdq(optimized, config, (original.graph?.node ?? []).flatMap((n) => [n.name ?? '', n.opType ?? '']));
  const ranges = await calibrate(optimizedBytes, tensorsToCalibrate(plan), calibration, {
    method: config.calibrator,
    percentile: config.percentile,
    histogramBins: config.histogramBins,
    entropyQuantizedBins: config.entropyQuantizedBins,
    onBatch: (pass, done, total) => onProgress?.({ phase: pass === 1 ? 'calibrate-minmax' : 'calibrate-histogram', done, total }),
  });
  onProgress?.({ phase: 'rewrite', done: 0, total: 1 });
  const rewrite = applyQdq(optimized, plan, ranges, config);
  // ORT's optimizer adds every domain it knows to opset_import; keep only the ones the graph uses.
  const usedDomains = new Set((optimized.graph!.node ?? []).map((n) => n.domain || ''));
  optimized.opsetImport = (optimized.opsetImport ?? []).filter((o) => usedDomains.has(o.domain || '') || !o.domain);
  optimized.producerName = 'medslim';
  setMetadata(optimized, {
    ...metadata,
    'medslim.quantization': JSON.stringify({
      format: 'QDQ',
      weights: config.perChannel ? 'int8 symmetric per-channel' : 'int8 symmetric per-tensor',
      activations: `${config.activationType} ${config.activationSymmetric ? 'symmetric' : 'asymmetric'} per-tensor`,
      calibrator: config.calibrator,
      ...(config.calibrator === 'percentile' ? { percentile: config.percentile } : {}),
      calibrationImages: calibration.reduce((a, b) => a + b.dims[0], 0),
      reduceRange: config.reduceRange,
      target: config.target,
    }),
  });
  const bytes = writeModel(optimized);
  onProgress?.({ phase: 'rewrite', done: 1, total: 1 });
  const quantizedOps: Record<string, number> = {};
  for (const n of plan.quantized) quantizedOps[n.opType!] = (quantizedOps[n.opType!] ?? 0) + 1;
  return {
    bytes,
    model: optimized,
    config,
    quantizedOps,
    floatNodes: plan.float,
    foldedActivations: plan.folded.length,
    weights: rewrite.weightCount,
    biases: rewrite.biasCount,
    calibrationImages: calibration.reduce((a, b) => a + b.dims[0], 0),
    ranges,
    activationParams: rewrite.activationParams,
    maxRelativeWeightError: rewrite.maxRelativeWeightError,
    opset,
  };
}
