import { describe, expect, it } from 'vitest';
import { computeQParams, dequantizeValue, qRange, quantizeValue, roundHalfEven } from './qparams.ts';
import { quantizeBias, quantizeWeight } from './weights.ts';

describe('scale and zero-point (ORT formulas)', () => {
  it('asymmetric uint8 on [-1, 3]: scale = 4/255, zp = round(0 − (−1)/scale) = round(63.75) = 64', () => {
    const p = computeQParams(-1, 3, 'uint8', false);
    expect(p.scale).toBe(Math.fround(4 / 255));
    expect(p.zeroPoint).toBe(64);
    expect([p.qmin, p.qmax]).toEqual([0, 255]);
  });

  it('widens a range that excludes 0 to include it (so 0 is exact)', () => {
    const p = computeQParams(2, 5, 'uint8', false); // → [0, 5]
    expect(p.scale).toBe(Math.fround(5 / 255));
    expect(p.zeroPoint).toBe(0);
    expect(dequantizeValue(quantizeValue(0, p), p)).toBe(0);
    const n = computeQParams(-4, -1, 'uint8', false); // → [-4, 0]
    expect(n.zeroPoint).toBe(255);
  });

  it('symmetric int8 uses [−127, 127] with zp 0; reduce-range uses [−64, 64]', () => {
    const p = computeQParams(-0.5, 2.54, 'int8', true);
    expect(p.scale).toBe(Math.fround(5.08 / 254));
    expect(p.zeroPoint).toBe(0);
    expect(qRange('int8', true, false)).toEqual({ qmin: -127, qmax: 127 });
    expect(qRange('int8', true, true)).toEqual({ qmin: -64, qmax: 64 });
    expect(computeQParams(-1, 1, 'int8', true, true).scale).toBe(Math.fround(2 / 128));
    expect(qRange('int8', false, false)).toEqual({ qmin: -128, qmax: 127 });
  });

  it('a zero range gives scale 1 (no division by zero); bad ranges are refused', () => {
    expect(computeQParams(0, 0, 'uint8', false)).toMatchObject({ scale: 1, zeroPoint: 0 });
    expect(() => computeQParams(NaN, 1, 'uint8', false)).toThrowError(/must be finite/);
    expect(() => computeQParams(2, 1, 'uint8', false)).toThrowError(/min ≤ max/);
  });

  it('rounds half to even like ONNX QuantizeLinear', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2, 3]);
    const p = { scale: 1, zeroPoint: 0, qmin: 0, qmax: 255 };
    expect(quantizeValue(2.5, p)).toBe(2);
    expect(quantizeValue(-3, p)).toBe(0); // clipped
    expect(quantizeValue(300, p)).toBe(255);
  });

  it('quantize→dequantize error is at most scale/2 inside the range', () => {
    const p = computeQParams(-3.7, 5.3, 'uint8', false);
    let worst = 0;
    for (let x = -3.7; x <= 5.3; x += 0.0137) worst = Math.max(worst, Math.abs(dequantizeValue(quantizeValue(x, p), p) - x));
    expect(worst).toBeLessThanOrEqual(p.scale / 2 + 1e-7);
    expect(worst).toBeGreaterThan(p.scale * 0.4); // the bound is tight, not vacuous
  });
});

describe('weights and biases', () => {
  it('per-channel scales are max|w_c|/127 along axis 0 of a constructed Conv weight', () => {
    // 3 output channels × 1 × 1 × 2
    const w = Float32Array.of(0.5, -1.27, 2.54, 0.1, 0, 0);
    const q = quantizeWeight(w, [3, 1, 1, 2], 0);
    expect(Array.from(q.scales)).toEqual([Math.fround(1.27 / 127), Math.fround(2.54 / 127), 1]);
    expect(Array.from(q.zeroPoints)).toEqual([0, 0, 0]);
    expect(Array.from(q.values)).toEqual([50, -127, 127, 5, 0, 0]);
    expect(q.maxError).toBeLessThanOrEqual(Math.fround(2.54 / 127) / 2);
  });

  it('per-channel along axis 1 (Gemm weight [K, N] with transB = 0) and per-tensor', () => {
    const w = Float32Array.of(1, 10, -2, 20); // [2, 2]: column 0 = {1, −2}, column 1 = {10, 20}
    const q = quantizeWeight(w, [2, 2], 1);
    expect(Array.from(q.scales)).toEqual([Math.fround(2 / 127), Math.fround(20 / 127)]);
    expect(Array.from(q.values)).toEqual([64, 64, -127, 127]);
    const t = quantizeWeight(w, [2, 2], null);
    expect(Array.from(t.scales)).toEqual([Math.fround(20 / 127)]);
    expect(t.axis).toBeNull();
  });

  it('reduce-range weights stay within [−64, 64]', () => {
    const q = quantizeWeight(Float32Array.of(-3, 1, 3), [3], null, true);
    expect(Array.from(q.values)).toEqual([-64, 21, 64]);
  });

  it('bias: int32 with scale = input_scale × weight_scale and zero-point 0', () => {
    const b = quantizeBias(Float32Array.of(0.3, -0.02), 0.01, Float32Array.of(0.5, 0.002));
    expect(Array.from(b.scales)).toEqual([Math.fround(0.01 * 0.5), Math.fround(0.01 * Math.fround(0.002))]);
    expect(Array.from(b.values)).toEqual([60, -1000]);
  });
});
