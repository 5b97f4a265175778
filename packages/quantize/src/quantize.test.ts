import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { defaultOpset, makeNode, readModel, writeModel } from '@medslim/onnx';
import { seededValues, tinyResNet } from '@medslim/onnx/testing';
import { quantizeStatic, QuantizeError, verifyIntegerKernels, type CalibrationBatch } from './index.ts';

const C = 3, K = 5, S = 8;
const floatModel = writeModel(tinyResNet({ channels: C, classes: K, size: S, batchNorm: true, activation: 'relu6', seed: 7 }));
const calibration: CalibrationBatch[] = [0, 1, 2, 3].map((b) => ({ data: seededValues(16 * C * S * S, 100 + b, 2), dims: [16, C, S, S] }));
const testInput = seededValues(32 * C * S * S, 999, 2);

async function logits(model: Uint8Array, level: 'disabled' | 'all'): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(model, { graphOptimizationLevel: level });
  const out = await s.run({ input: new ort.Tensor('float32', testInput, [32, C, S, S]) });
  await s.release();
  return out.logits.data as Float32Array;
}

/** max |a − b| relative to the spread of the float logits. */
function relativeError(a: Float32Array, b: Float32Array): number {
  let err = 0, lo = Infinity, hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    lo = Math.min(lo, a[i]);
    hi = Math.max(hi, a[i]);
  }
  return err / (hi - lo);
}

const ops = (m: Uint8Array) => {
  const h: Record<string, number> = {};
  for (const n of readModel(m).graph!.node!) h[n.opType!] = (h[n.opType!] ?? 0) + 1;
  return h;
};

describe('quantizeStatic on a tiny 3-channel, 5-class residual conv net', () => {
  it('writes a QDQ graph that loads, matches the float model within a few quantization steps, and runs integer kernels', async () => {
    const r = await quantizeStatic(floatModel, calibration, { calibrator: 'minmax' });
    const h = ops(r.bytes);
    expect(h.BatchNormalization).toBeUndefined(); // folded into the conv by ORT's basic optimization
    expect(h.Clip).toBeUndefined(); // Clip(0, 6) folded exactly into the uint8 output quantization
    expect(r.foldedActivations).toBe(3);
    expect(r.quantizedOps).toEqual({ Conv: 3, Add: 1, GlobalAveragePool: 1, Flatten: 1, Gemm: 1 });
    // Activations with a Q→DQ pair: input, a1, c2, a2 (Add output), a3, gap, flat (shares gap's parameters);
    // logits stay float. Weights and biases of 3 convs and the Gemm: 8 more DequantizeLinear.
    expect(h.QuantizeLinear).toBe(7);
    expect(h.DequantizeLinear).toBe(7 + 8);
    expect(r.floatNodes).toEqual([]);
    const f = await logits(floatModel, 'disabled');
    // Reference semantics of the QDQ graph (float kernels) and ORT's fused integer kernels.
    expect(relativeError(f, await logits(r.bytes, 'disabled'))).toBeLessThan(0.03);
    expect(relativeError(f, await logits(r.bytes, 'all'))).toBeLessThan(0.03);
    const k = await verifyIntegerKernels(r.bytes);
    expect(k.integerKernels.QLinearConv).toBe(3);
    expect(k.integerKernels.QGemm).toBe(1);
    expect(k.integerKernelCount).toBeGreaterThanOrEqual(5);
    // Size: int8 weights are a quarter of float32, plus scales and zero-points.
    expect(readModel(r.bytes).metadataProps!.find((p) => p.key === 'medslim.quantization')).toBeTruthy();
  });

  it('every calibrator gives a working model; per-tensor and int8 activations too', async () => {
    const f = await logits(floatModel, 'disabled');
    for (const opts of [{ calibrator: 'percentile' as const }, { calibrator: 'entropy' as const }, { perChannel: false }, { activationType: 'int8' as const }]) {
      const r = await quantizeStatic(floatModel, calibration, opts);
      expect(relativeError(f, await logits(r.bytes, 'all')), JSON.stringify(opts)).toBeLessThan(0.06);
    }
  });

  it('symmetric activations keep Relu/Clip in the graph (removing them would let negatives through)', async () => {
    const r = await quantizeStatic(floatModel, calibration, { activationType: 'int8', activationSymmetric: true });
    expect(r.foldedActivations).toBe(0);
    expect(ops(r.bytes).Clip).toBe(3);
    const q = await logits(r.bytes, 'disabled');
    expect(relativeError(await logits(floatModel, 'disabled'), q)).toBeLessThan(0.06);
  });

  it('excluded nodes and unsupported ops stay float and are listed with the reason', async () => {
    const m = readModel(floatModel);
    const g = m.graph!;
    const relu6 = g.node!.find((n) => n.output![0] === 'a3')!;
    g.node![g.node!.indexOf(relu6)] = makeNode('Softplus', ['c3'], ['a3'], {}, 'softplus');
    const r = await quantizeStatic(writeModel(m), calibration, { exclude: ['fc'] });
    expect(r.floatNodes).toEqual([
      { name: 'softplus', opType: 'Softplus', reason: 'op Softplus is not in the supported set' },
      { name: 'fc', opType: 'Gemm', reason: 'excluded by configuration' },
    ]);
    const k = await verifyIntegerKernels(r.bytes);
    expect(k.integerKernels.QGemm).toBeUndefined();
    expect(k.opHistogram.Gemm ?? k.opHistogram.FusedGemm).toBe(1);
    const s = await ort.InferenceSession.create(r.bytes);
    expect(s.outputNames).toEqual(['logits']);
  });

  it('refuses an exclusion list that leaves nothing to quantize (BAD_CONFIG naming exclude, not an onnxruntime failure)', async () => {
    // No BatchNormalization: pre-processing folds it away, so every op type left is one the plan sees.
    const plain = writeModel(tinyResNet({ channels: C, classes: K, size: S, batchNorm: false, activation: 'relu', seed: 7 }));
    const ops = [...new Set(readModel(plain).graph!.node!.map((n) => n.opType!))];
    await expect(quantizeStatic(plain, calibration, { exclude: ops })).rejects.toMatchObject({
      code: 'BAD_CONFIG',
      message: expect.stringMatching(/nothing to quantize in this model: exclude \(.*'Conv'.*\) covers every node/),
    });
  });

  it('refuses an empty calibration set; upgrades an opset-11 model to 13 for per-channel weights', async () => {
    await expect(quantizeStatic(floatModel, [])).rejects.toMatchObject({ code: 'EMPTY_CALIBRATION' });
    const old = readModel(floatModel);
    old.opsetImport = [{ domain: '', version: 11 }];
    const r = await quantizeStatic(writeModel(old), calibration);
    expect(r.opset).toMatchObject({ from: 11, to: 13, upgraded: true, blockers: [] });
    expect(r.config.perChannel).toBe(true);
    expect(defaultOpset(r.model)).toBe(13);
  });

  it('refuses NaN or ±Infinity in calibration activations, naming the tensor (NaN compares false and used to pass)', async () => {
    for (const bad of [NaN, Infinity]) {
      const data = Float32Array.from(calibration[1].data as Float32Array);
      data[5] = bad;
      const err = await quantizeStatic(floatModel, [calibration[0], { data, dims: calibration[1].dims }]).catch((e) => e);
      expect(err).toBeInstanceOf(QuantizeError);
      expect(err.code).toBe('BAD_RANGE');
      expect(err.message).toMatch(new RegExp(`tensor 'input' took the value ${bad} on calibration batch 2 of 2`));
    }
  });
});


describe('serving target decides reduce-range (not the quantizing host)', () => {
  it('x86_64 → 7-bit weights; x86_64-vnni and arm64 → 8-bit; an explicit reduceRange wins; a bad target is refused', async () => {
    const { resolveConfig } = await import('./config.ts');
    expect(resolveConfig({}).target).toBe('x86_64');
    expect(resolveConfig({}).reduceRange).toBe(true);
    expect(resolveConfig({ target: 'x86_64-vnni' }).reduceRange).toBe(false);
    expect(resolveConfig({ target: 'arm64' }).reduceRange).toBe(false);
    expect(resolveConfig({ target: 'arm64', reduceRange: true }).reduceRange).toBe(true);
    expect(() => resolveConfig({ target: 'riscv' as never })).toThrow(/target must be one of x86_64, x86_64-vnni, arm64; got 'riscv'/);
  });

  it('the weights of an arm64 model use the full int8 range, those of an x86_64 model 7 bits', async () => {
    const maxAbsWeight = (bytes: Uint8Array) => {
      let m = 0;
      for (const t of readModel(bytes).graph!.initializer ?? []) {
        if (t.dataType !== 3) continue; // INT8
        const raw = t.rawData!;
        for (let i = 0; i < raw.length; i++) m = Math.max(m, Math.abs((raw[i] << 24) >> 24));
      }
      return m;
    };
    expect(maxAbsWeight((await quantizeStatic(floatModel, calibration, { target: 'x86_64' })).bytes)).toBe(64);
    expect(maxAbsWeight((await quantizeStatic(floatModel, calibration, { target: 'arm64' })).bytes)).toBe(127);
  });
});
