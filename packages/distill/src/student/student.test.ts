import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportStudentOnnx, foldConvBn, samePads } from '../export.ts';
import { referenceStudent, validateStudent, withWidth } from './config.ts';
import { applyStatUpdates, forward, type StatUpdates } from './forward.ts';
import { initStudent, namedVariables, parameterCount, restore, snapshot } from './params.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('student architecture', () => {
  it('the reference 28×28 student has 86,722 parameters with 1 channel and K = 2 (PROVENANCE: 86.7 k)', () => {
    const p = initStudent(referenceStudent(1, 2), 0);
    expect(parameterCount(p)).toBe(86722);
    // 1 → 3 input channels adds 2·9·16 stem weights; K = 5 adds 3·(128 + 1) classifier weights.
    expect(parameterCount(initStudent(referenceStudent(3, 5), 0))).toBe(86722 + 2 * 9 * 16 + 3 * 129);
  });

  it('width multiplier scales channels (multiples of 4) and keeps the head at width < 1', () => {
    const half = withWidth(referenceStudent(1, 2), 0.5);
    expect(half.stem).toBe(8);
    expect(half.blocks.map((b) => b.out)).toEqual([4, 8, 8, 12, 12, 16, 24, 24]);
    expect(half.head).toBe(128);
    expect(parameterCount(initStudent(half, 0))).toBeLessThan(86722 / 2);
    expect(() => withWidth(referenceStudent(1, 2), 0)).toThrowError(/width multiplier must be in \(0, 4\]/);
  });

  it('rejects configs whose channels do not chain or that prune a block to nothing', () => {
    const c = referenceStudent(1, 2);
    expect(() => validateStudent({ ...c, blocks: [{ ...c.blocks[0], in: 12 }, ...c.blocks.slice(1)] })).toThrowError(/block 0 takes 12 channels but the previous layer gives 16/);
    expect(() => validateStudent({ ...c, blocks: [c.blocks[0], { ...c.blocks[1], hidden: 0 }, ...c.blocks.slice(2)] })).toThrowError(/block 1 has 0 hidden channels/);
    expect(() => validateStudent({ ...c, numClasses: 1 })).toThrowError(/numClasses must be an integer ≥ 2/);
  });

  it('initialization is deterministic for a seed and differs across seeds', () => {
    const a = snapshot(initStudent(referenceStudent(1, 2), 3));
    const b = snapshot(initStudent(referenceStudent(1, 2), 3));
    const c = snapshot(initStudent(referenceStudent(1, 2), 4));
    expect(Array.from(a.get('blocks.2.expand.w')!.data)).toEqual(Array.from(b.get('blocks.2.expand.w')!.data));
    expect(Array.from(a.get('blocks.2.expand.w')!.data)).not.toEqual(Array.from(c.get('blocks.2.expand.w')!.data));
  });

  it('training-mode BatchNorm normalizes with batch statistics; running statistics move by momentum 0.1 with the unbiased variance', () => {
    const config = referenceStudent(1, 2);
    const p = initStudent(config, 0);
    const x = tf.randomNormal([4, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const updates: StatUpdates = [];
    tf.tidy(() => forward(config, p, x, true, updates));
    expect(updates.length).toBe(namedVariables(p).filter(([k]) => k.endsWith('.bn.mean')).length);
    const u = updates[0]; // the stem conv: 4·28·28 values per channel
    const batchMean = u.batchMean.dataSync()[0];
    const batchVar = u.batchVar.dataSync()[0];
    applyStatUpdates(updates);
    const n = 4 * 28 * 28;
    expect(p.stem.bn.mean.dataSync()[0]).toBeCloseTo(0.1 * batchMean, 6);
    expect(p.stem.bn.variance.dataSync()[0]).toBeCloseTo(0.9 + 0.1 * batchVar * (n / (n - 1)), 5);
  });
});

describe('ONNX export', () => {
  it('samePads follows TensorFlow: extra padding at the end', () => {
    expect(samePads(28, 3, 1)).toEqual([1, 1, 1, 1]);
    expect(samePads(28, 3, 2)).toEqual([0, 0, 1, 1]); // out 14: total pad 1, all at the end
    expect(samePads(7, 3, 2)).toEqual([1, 1, 1, 1]); // out 4: total pad 2
    expect(samePads(14, 1, 1)).toEqual([0, 0, 0, 0]);
  });

  it('folds BatchNorm into conv weights and bias (known answer) and lays NHWC out as OIHW', () => {
    // 1×1 conv, 2 in → 2 out: w[0,0,i,o] = i*2+o+1.
    const w = { shape: [1, 1, 2, 2], data: Float32Array.of(1, 2, 3, 4) };
    const f = foldConvBn(w, Float32Array.of(2, 1), Float32Array.of(0.5, 0), Float32Array.of(1, 0), Float32Array.of(3 - 1e-5, 1 - 1e-5), false);
    // scale = γ/√(var+ε) = [2/√3, 1]; OIHW: out 0 = [w(i0,o0), w(i1,o0)] = [1, 3] · 2/√3; out 1 = [2, 4].
    const s0 = 2 / Math.sqrt(3);
    expect(f.dims).toEqual([2, 2, 1, 1]);
    expect(Array.from(f.weight)).toEqual([1 * s0, 3 * s0, 2, 4].map(Math.fround));
    expect(f.bias[0]).toBeCloseTo(0.5 - 1 * s0, 6);
    expect(f.bias[1]).toBeCloseTo(0, 6);
  });

  it('parity: onnxruntime-node output equals tfjs eval output within 1e-4 (3 channels, K = 4, trained-like BN statistics)', async () => {
    const config = withWidth(referenceStudent(3, 4), 0.75);
    const p = initStudent(config, 2);
    // Give every BatchNorm non-trivial statistics and affine parameters, as after training.
    namedVariables(p).forEach(([name, v], i) => {
      if (name.endsWith('.bn.mean')) v.assign(tf.randomNormal(v.shape, 0, 0.3, 'float32', i));
      if (name.endsWith('.bn.variance')) v.assign(tf.randomUniform(v.shape, 0.5, 2, 'float32', i));
      if (name.endsWith('.bn.gamma')) v.assign(tf.randomUniform(v.shape, 0.5, 1.5, 'float32', i));
      if (name.endsWith('.bn.beta') || name === 'fc.b') v.assign(tf.randomNormal(v.shape, 0, 0.2, 'float32', i));
      if (name === 'fc.w') v.assign(tf.randomNormal(v.shape, 0, 0.3, 'float32', i));
    });
    const x = tf.randomNormal([5, 28, 28, 3], 0, 1, 'float32', 99) as tf.Tensor4D;
    const expected = forward(config, p, x, false).dataSync();
    const bytes = exportStudentOnnx(config, p, { metadata: { 'medslim.labels': 'a,b,c,d' } });
    const session = await ort.InferenceSession.create(bytes);
    const nchw = tf.transpose(x, [0, 3, 1, 2]).dataSync() as Float32Array;
    const out = await session.run({ input: new ort.Tensor('float32', nchw, [5, 3, 28, 28]) });
    const got = out.logits.data as Float32Array;
    expect(out.logits.dims).toEqual([5, 4]);
    let maxDiff = 0;
    for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - expected[i]));
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    expect(session.inputNames).toEqual(['input']);
    // Temperature scaling folded into the Gemm: the logits are divided by T, nothing else changes.
    const scaled = await ort.InferenceSession.create(exportStudentOnnx(config, p, { temperature: 2.5 }));
    const got2 = (await scaled.run({ input: new ort.Tensor('float32', nchw, [5, 3, 28, 28]) })).logits.data as Float32Array;
    for (let i = 0; i < got.length; i++) expect(got2[i]).toBeCloseTo(got[i] / 2.5, 4);
    // Decision offsets folded into the bias after the division: logits / T + o.
    const offsets = [0.5, -0.25, 1, -1.25];
    const shifted = await ort.InferenceSession.create(exportStudentOnnx(config, p, { temperature: 2.5, logitOffsets: offsets }));
    const got3 = (await shifted.run({ input: new ort.Tensor('float32', nchw, [5, 3, 28, 28]) })).logits.data as Float32Array;
    for (let i = 0; i < got.length; i++) expect(got3[i]).toBeCloseTo(got[i] / 2.5 + offsets[i % 4], 4);
    expect(() => exportStudentOnnx(config, p, { logitOffsets: [1, 2] })).toThrowError(/logitOffsets has 2 entries; the student has 4 classes/);
  });

  it('snapshot/restore round-trips every variable', () => {
    const config = referenceStudent(1, 2);
    const a = initStudent(config, 0);
    const b = initStudent(config, 1);
    restore(b, snapshot(a));
    expect(Array.from(b.fc.w.dataSync())).toEqual(Array.from(a.fc.w.dataSync()));
    expect(() => restore(initStudent(withWidth(config, 0.5), 0), snapshot(a))).toThrowError(/has shape/);
  });
});
