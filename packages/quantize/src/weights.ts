import { computeQParams, dequantizeValue, quantizeValue, roundHalfEven, type QParams } from './qparams.ts';

/** A quantized weight tensor: int8 values with one (scale, zero-point) per channel along `axis`, or one for all. */
export interface QuantizedWeight {
  values: Int8Array;
  /** float32 scales, length = channels (per-channel) or 1 (per-tensor). */
  scales: Float32Array;
  /** int8 zero-points (always 0: symmetric), same length as scales. */
  zeroPoints: Int8Array;
  /** Channel axis (per-channel) or null (per-tensor). */
  axis: number | null;
  /** Largest |w − dequant(q)| over the tensor, for the report. */
  maxError: number;
}

/**
 * Symmetric int8 weight quantization ([−127, 127], zp 0; [−64, 64] with `reduceRange`), per channel along
 * `axis` (row-major `dims`) or per tensor when `axis` is null. Each channel's scale is max|w_c|/127.
 * Spec: ONNX QuantizeLinear/DequantizeLinear (per-axis since opset 13); ORT `quantize_weight_per_channel`.
 */
export function quantizeWeight(data: Float32Array, dims: readonly number[], axis: number | null, reduceRange = false): QuantizedWeight {
  const channels = axis === null ? 1 : dims[axis];
  const inner = axis === null ? data.length : dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  // Element i belongs to channel floor(i / inner) % channels.
  const absMax = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) {
    const c = axis === null ? 0 : Math.floor(i / inner) % channels;
    const a = Math.abs(data[i]);
    if (a > absMax[c]) absMax[c] = a;
  }
  const params: QParams[] = [];
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    // Symmetric weights: zero-point 0 on every channel (an all-zero channel too, where the range formula would give qmin).
    params.push({ ...computeQParams(-absMax[c], absMax[c], 'int8', true, reduceRange), zeroPoint: 0 });
    scales[c] = params[c].scale;
  }
  const values = new Int8Array(data.length);
  let maxError = 0;
  for (let i = 0; i < data.length; i++) {
    const c = axis === null ? 0 : Math.floor(i / inner) % channels;
    const p = params[c];
    const q = quantizeValue(data[i], p);
    values[i] = q;
    const err = Math.abs(data[i] - dequantizeValue(q, p));
    if (err > maxError) maxError = err;
  }
  return { values, scales, zeroPoints: new Int8Array(channels), axis, maxError };
}

/**
 * Bias quantization to int32 with scale = input_scale × weight_scale[c] and zero-point 0, so that the
 * integer accumulator of Conv/Gemm can add it directly (ORT `quantize_bias_static`).
 */
export function quantizeBias(bias: Float32Array, inputScale: number, weightScales: Float32Array): { values: Int32Array; scales: Float32Array } {
  const values = new Int32Array(bias.length);
  const scales = new Float32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    const s = Math.fround(inputScale * weightScales[weightScales.length === 1 ? 0 : c]);
    scales[c] = s;
    const q = roundHalfEven(bias[c] / s);
    values[c] = Math.max(-2147483648, Math.min(2147483647, q));
  }
  return { values, scales };
}
