/**
 * upgradeOpset 11 → 13: the upgraded graph computes exactly what the original computes (onnxruntime, same inputs,
 * bit-identical outputs), the attribute → input moves and the Softmax axis rewrite are right, and an op it does
 * not know blocks the upgrade without touching the model.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  arrayToTensor, DataType, defaultOpset, makeGraph, makeModel, makeNode, makeValueInfo, readModel, upgradeOpset, writeModel, type ModelProto,
} from './index.ts';

const legacy = new URL('../../../tests/fixtures/exports/legacy-opset11.onnx', import.meta.url).pathname;

async function run(model: ModelProto | Uint8Array, feeds: Record<string, ort.Tensor>): Promise<number[][]> {
  const s = await ort.InferenceSession.create(model instanceof Uint8Array ? model : writeModel(model));
  const out = await s.run(feeds);
  await s.release();
  return s.outputNames.map((n) => Array.from(out[n].data as Float32Array));
}

const seeded = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 3);

describe('upgradeOpset', () => {
  it('the opset-11 export (Squeeze with axes attributes) becomes opset 13 with identical outputs', async () => {
    const before = readModel(legacy);
    const model = readModel(legacy);
    const r = upgradeOpset(model);
    expect(r).toEqual({ from: 11, to: 13, upgraded: true, changes: ['Squeeze ×2: axes attribute → input'], blockers: [] });
    expect(defaultOpset(model)).toBe(13);
    const squeezes = model.graph!.node!.filter((n) => n.opType === 'Squeeze');
    expect(squeezes.map((n) => n.input!.length)).toEqual([2, 2]);
    expect(squeezes.every((n) => (n.attribute ?? []).length === 0)).toBe(true);
    const x = new ort.Tensor('float32', seeded(4 * 784).map((v) => Math.abs(v) / 3), [4, 1, 28, 28]);
    expect(await run(model, { 'input.1': x })).toEqual(await run(before, { 'input.1': x }));
  });

  it('Softmax/LogSoftmax on a non-last axis, Unsqueeze, Split and ReduceSum are rewritten exactly', async () => {
    const X = makeValueInfo('x', DataType.FLOAT, [2, 3, 4, 5]);
    const nodes = [
      makeNode('Softmax', ['x'], ['sm'], { axis: 1 }), // old meaning: softmax over the 60 values of each sample
      makeNode('LogSoftmax', ['x'], ['lsm'], { axis: 2 }),
      makeNode('Softmax', ['x'], ['last'], { axis: 3 }), // last axis: kept as it is
      makeNode('Split', ['x'], ['s1', 's2'], { axis: 3, split: [2, 3] }),
      makeNode('ReduceSum', ['s2'], ['rs'], { axes: [1, 3], keepdims: 0 }),
      makeNode('Unsqueeze', ['rs'], ['us'], { axes: [0] }),
    ];
    const outs = ['sm', 'lsm', 'last', 's1', 'us'].map((n) => makeValueInfo(n, DataType.FLOAT));
    const build = () => makeModel(makeGraph('g', nodes.map((n) => ({ ...n })), [X], outs), { opset: 11, irVersion: 6 });
    const model = build();
    const r = upgradeOpset(model);
    expect(r.upgraded).toBe(true);
    expect(r.changes.sort()).toEqual([
      'LogSoftmax ×1: coerced-2-D axis 2 → Flatten, LogSoftmax(axis=1), Reshape',
      'ReduceSum ×1: axes attribute → input',
      'Softmax ×1: coerced-2-D axis 1 → Flatten, Softmax(axis=1), Reshape',
      'Split ×1: split attribute → input',
      'Unsqueeze ×1: axes attribute → input',
    ]);
    expect(Number(model.irVersion)).toBe(7);
    const x = new ort.Tensor('float32', seeded(120), [2, 3, 4, 5]);
    const got = await run(model, { x });
    expect(got).toEqual(await run(build(), { x }));
    // the old Softmax(axis=1) normalises each sample's 60 values together
    expect(got[0].slice(0, 60).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('an op it does not know blocks the upgrade and leaves the model untouched; opset ≥ 13 and < 11 are left alone', () => {
    const X = makeValueInfo('x', DataType.FLOAT, [1, 1, 4, 4]);
    const scales = arrayToTensor('scales', 'float32', [4], Float32Array.of(1, 1, 2, 2));
    const upsample = makeModel(makeGraph('g', [makeNode('Upsample', ['x', 'scales'], ['y'])], [X], [makeValueInfo('y', DataType.FLOAT)], [scales]), { opset: 11 });
    const bytes = writeModel(upsample);
    const r = upgradeOpset(upsample);
    expect(r.upgraded).toBe(false);
    expect(r.blockers).toEqual(['Upsample ×1: changed between opset 11 and 13 in ways medslim does not rewrite']);
    expect(Buffer.compare(Buffer.from(writeModel(upsample)), Buffer.from(bytes))).toBe(0);

    const plain = readModel(new URL('../../../tests/fixtures/exports/plain.onnx', import.meta.url).pathname);
    expect(upgradeOpset(plain)).toEqual({ from: 13, to: 13, upgraded: false, changes: [], blockers: [] });
    const old = readModel(legacy);
    old.opsetImport![0].version = 10;
    expect(upgradeOpset(old).blockers[0]).toMatch(/opset 10 is older than 11; re-export the model with opset 13/);
  });
});
