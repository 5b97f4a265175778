import { QuantizeError } from './errors.ts';

export type Calibrator = 'minmax' | 'percentile' | 'entropy';
export type QType = 'uint8' | 'int8';

/**
 * The CPU the quantized model will be served on. It decides reduce-range (see QuantizeConfig.reduceRange):
 * `x86_64` — x86-64 without VNNI (AVX2 / AVX-512F: ORT's u8×s8 kernels use VPMADDUBSW, which saturates at
 * int16, so weights get 7 bits); `x86_64-vnni` — x86-64 with AVX-512 VNNI or AVX-VNNI (VPDPBUSD accumulates in
 * int32: full 8 bits); `arm64` — ARMv8 (SDOT/UDOT or widening multiplies: full 8 bits). When unsure, `x86_64`
 * is the safe choice: 7-bit weights run correctly everywhere, 8-bit weights can saturate on pre-VNNI x86.
 */
export type ServingTarget = 'x86_64' | 'x86_64-vnni' | 'arm64';
export const SERVING_TARGETS: readonly ServingTarget[] = ['x86_64', 'x86_64-vnni', 'arm64'];

/** reduce-range for a serving target: on for x86-64 without VNNI, off otherwise (see ServingTarget). */
export function reduceRangeFor(target: ServingTarget): boolean {
  return target === 'x86_64';
}

/**
 * Static INT8 post-training quantization settings (QDQ format), mirroring ONNX Runtime's
 * `quantize_static` options. Every default is chosen as ORT chooses it unless the comment says otherwise.
 */
export interface QuantizeConfig {
  /** Range estimator for activations. ORT default: minmax. */
  calibrator: Calibrator;
  /** Percentile calibrator: keep this percentile of values (two-sided for signed tensors). */
  percentile: number;
  /** Histogram bins for percentile and entropy calibration. */
  histogramBins: number;
  /** Entropy calibrator: number of quantized bins the KL search compares against (128 ≈ 7-bit magnitude). */
  entropyQuantizedBins: number;
  /** Weights: one scale per output channel (axis 0 for Conv, the output axis for Gemm/MatMul). Needs opset ≥ 13. */
  perChannel: boolean;
  /** Activation type: uint8 asymmetric (default, ORT's QUInt8) or int8. */
  activationType: QType;
  /** Activations symmetric around 0 (zero-point 0); forces Relu/Clip to stay in the graph. */
  activationSymmetric: boolean;
  /**
   * 7-bit weights ([-64, 64]) for x86 CPUs without VNNI, where ORT's uint8×int8 kernels sum pairs of
   * products with VPMADDUBSW, which saturates at int16. medslim default: on for x86-64, off for arm64
   * (ORT defaults to off). Measured on an AVX2-only x86 CPU with the PneumoniaMNIST ResNet-18 teacher:
   * with 8-bit weights the integer kernels agree with FP32 on 72 % of test images (accuracy .862 → .766);
   * with 7-bit weights on 99.8 %. The host that quantizes is not the host that serves, so neither this
   * CPU's architecture nor its VNNI decides it: `target` does, unless reduceRange is set explicitly.
   */
  reduceRange: boolean;
  /** Serving CPU (default x86_64, the safe choice); sets reduceRange when the caller does not. */
  target: ServingTarget;
  /** Node names (or op types) kept in float, e.g. the final Gemm. */
  exclude: string[];
  /**
   * Leave graph outputs (the logits) in float. medslim default true (ORT quantizes them): 8-bit logits
   * put many test scores in the same bucket, which ties them and costs ROC-AUC for no speed gain.
   */
  keepGraphOutputsFloat: boolean;
}

export const defaultQuantizeConfig: QuantizeConfig = {
  calibrator: 'minmax',
  percentile: 99.999,
  histogramBins: 2048,
  entropyQuantizedBins: 128,
  perChannel: true,
  activationType: 'uint8',
  activationSymmetric: false,
  reduceRange: reduceRangeFor('x86_64'),
  target: 'x86_64',
  exclude: [],
  keepGraphOutputsFloat: true,
};

/** Merges options over the defaults and validates them. @throws QuantizeError BAD_CONFIG naming the field. */
export function resolveConfig(opts: Partial<QuantizeConfig> = {}): QuantizeConfig {
  const c: QuantizeConfig = { ...defaultQuantizeConfig, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) };
  if (!SERVING_TARGETS.includes(c.target)) throw new QuantizeError('BAD_CONFIG', `target must be one of ${SERVING_TARGETS.join(', ')}; got '${c.target}'`);
  if (opts.reduceRange === undefined) c.reduceRange = reduceRangeFor(c.target);
  if (!['minmax', 'percentile', 'entropy'].includes(c.calibrator)) {
    throw new QuantizeError('BAD_CONFIG', `calibrator must be one of minmax, percentile, entropy; got '${c.calibrator}'`);
  }
  if (!(c.percentile > 50 && c.percentile <= 100)) throw new QuantizeError('BAD_CONFIG', `percentile must be in (50, 100]; got ${c.percentile}`);
  if (!Number.isInteger(c.histogramBins) || c.histogramBins < 256) throw new QuantizeError('BAD_CONFIG', `histogramBins must be an integer ≥ 256; got ${c.histogramBins}`);
  if (!Number.isInteger(c.entropyQuantizedBins) || c.entropyQuantizedBins < 16 || c.entropyQuantizedBins * 2 > c.histogramBins) {
    throw new QuantizeError('BAD_CONFIG', `entropyQuantizedBins must be an integer in [16, histogramBins/2]; got ${c.entropyQuantizedBins}`);
  }
  if (!['uint8', 'int8'].includes(c.activationType)) throw new QuantizeError('BAD_CONFIG', `activationType must be uint8 or int8; got '${c.activationType}'`);
  return c;
}
