import { QuantizeError } from './errors.ts';
import type { QType } from './config.ts';

/** Integer range of a quantized type, as ONNX Runtime picks it (onnxruntime/python/tools/quantization/quant_utils.py). */
export function qRange(type: QType, symmetric: boolean, reduceRange: boolean): { qmin: number; qmax: number } {
  if (type === 'uint8') return reduceRange ? { qmin: 0, qmax: 127 } : { qmin: 0, qmax: 255 };
  if (reduceRange) return { qmin: -64, qmax: 64 };
  // Symmetric int8 uses the restricted range [-127, 127] so that zero-point 0 sits in the middle.
  return symmetric ? { qmin: -127, qmax: 127 } : { qmin: -128, qmax: 127 };
}

/** Round half to even (NumPy's `round` and ONNX QuantizeLinear's rounding). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface QParams {
  /** float32 step between adjacent integers (stored as float32 in the model). */
  scale: number;
  zeroPoint: number;
  qmin: number;
  qmax: number;
}

/**
 * Scale and zero-point for a real range, with ONNX Runtime's formulas (`compute_scale_zp`):
 * the range is widened to include 0; symmetric → [−max|r|, +max|r|];
 * `scale = (rmax − rmin)/(qmax − qmin)`, `zp = round(qmin − rmin/scale)`; a zero range gives scale 1.
 * @throws QuantizeError BAD_RANGE when rmin/rmax are not finite or rmin > rmax.
 */
export function computeQParams(rmin: number, rmax: number, type: QType, symmetric: boolean, reduceRange = false): QParams {
  if (!Number.isFinite(rmin) || !Number.isFinite(rmax) || rmin > rmax) {
    throw new QuantizeError('BAD_RANGE', `cannot quantize range [${rmin}, ${rmax}]: it must be finite with min ≤ max (check the calibration data for NaN/Inf)`);
  }
  const { qmin, qmax } = qRange(type, symmetric, reduceRange);
  let lo = Math.min(rmin, 0);
  let hi = Math.max(rmax, 0);
  if (symmetric) {
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    lo = -m;
    hi = m;
  }
  let scale = Math.fround((hi - lo) / (qmax - qmin));
  if (scale === 0 || !Number.isFinite(scale)) scale = 1;
  const zeroPoint = roundHalfEven(qmin - lo / scale);
  return { scale, zeroPoint: Math.min(qmax, Math.max(qmin, zeroPoint)), qmin, qmax };
}

/** `q = clip(round(x / scale) + zp, qmin, qmax)` (ONNX QuantizeLinear). */
export function quantizeValue(x: number, p: QParams): number {
  const q = roundHalfEven(x / p.scale) + p.zeroPoint;
  return q < p.qmin ? p.qmin : q > p.qmax ? p.qmax : q;
}

/** `x = (q − zp) × scale` (ONNX DequantizeLinear). */
export function dequantizeValue(q: number, p: Pick<QParams, 'scale' | 'zeroPoint'>): number {
  return (q - p.zeroPoint) * p.scale;
}
