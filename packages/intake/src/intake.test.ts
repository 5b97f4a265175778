import { describe, expect, it } from 'vitest';
import type { ExplicitContract } from '@medslim/contracts';
import { DataType, makeGraph, makeModel, makeNode, makeValueInfo, type ModelProto } from '@medslim/onnx';
import { IntakeError } from './errors.ts';
import { binomialUpperTail, candidateContracts, mcnemarExact } from './evidence.ts';
import { toInputType } from './feeds.ts';
import { readModelInterface, refusalForAnyDataset } from './read.ts';

/** A graph with the given input and outputs; each output is produced by `lastOp` from the input (shapes only matter). */
function model(o: { input?: (number | string)[]; inputType?: number; outputs?: { name: string; shape: (number | string)[]; type?: number; lastOp?: string }[]; metadata?: Record<string, string> }): ModelProto {
  const outs = o.outputs ?? [{ name: 'logits', shape: ['N', 2] }];
  return makeModel(makeGraph('g', outs.map((x) => makeNode(x.lastOp ?? 'Identity', ['x'], [x.name])), [makeValueInfo('x', o.inputType ?? DataType.FLOAT, o.input ?? ['N', 1, 28, 28])], outs.map((x) => makeValueInfo(x.name, x.type ?? DataType.FLOAT, x.shape))), { metadata: o.metadata });
}
const code = (f: () => unknown) => { try { f(); return 'no error'; } catch (e) { return `${(e as IntakeError).name}:${(e as IntakeError).code}`; } };
const message = (f: () => unknown) => { try { f(); return ''; } catch (e) { return (e as Error).message; } };
const META = '{"layout":"NCHW","scale":0.00392156862745098,"mean":[0.5],"std":[0.5]}';

describe('readModelInterface: layout, batch, dtype', () => {
  it('reads NCHW and NHWC from the shape, fixed or dynamic batch, dynamic H×W', () => {
    expect(readModelInterface(model({ input: ['N', 1, 28, 28] })).input).toEqual({ name: 'x', dtype: 'float32', layout: 'NCHW', batch: null, channels: 1, height: 28, width: 28 });
    expect(readModelInterface(model({ input: [1, 28, 28, 3] })).input).toEqual({ name: 'x', dtype: 'float32', layout: 'NHWC', batch: 1, channels: 3, height: 28, width: 28 });
    expect(readModelInterface(model({ input: ['N', 3, 'H', 'W'] })).input).toMatchObject({ layout: 'NCHW', channels: 3, height: null, width: null });
    expect(readModelInterface(model({ input: ['N', 'H', 'W', 1] })).input).toMatchObject({ layout: 'NHWC', channels: 1 });
    expect(readModelInterface(model({})).sources.layout).toBe('graph');
  });

  it('refuses a shape that fits both layouts or neither, naming --layout; the flag settles it', () => {
    expect(code(() => readModelInterface(model({ input: ['N', 3, 8, 3] })))).toBe('IntakeError:AMBIGUOUS_LAYOUT');
    expect(message(() => readModelInterface(model({ input: ['N', 'C', 'H', 'W'] })))).toMatch(/--layout NCHW or --layout NHWC/);
    const r = readModelInterface(model({ input: ['N', 3, 8, 3] }), { explicit: { layout: 'NHWC' } });
    expect([r.input.layout, r.input.channels, r.sources.layout]).toEqual(['NHWC', 3, 'explicit']);
    expect(code(() => readModelInterface(model({ input: ['N', 28, 28, 1] }), { explicit: { layout: 'NCHW' } }))).toBe('IntakeError:MODEL_INPUT');
    expect(code(() => readModelInterface(model({ input: ['N', 784] })))).toBe('IntakeError:MODEL_INPUT');
    expect(code(() => readModelInterface(model({ inputType: DataType.INT8 })))).toBe('IntakeError:UNSUPPORTED_TYPE');
  });

  it('contract: flags > metadata > identity for integer inputs > none (never a default)', () => {
    expect(readModelInterface(model({})).contract).toBeNull();
    expect(readModelInterface(model({})).sources.contract).toBe('none');
    const meta = readModelInterface(model({ metadata: { 'medslim.preprocess': META, 'medslim.labels': 'normal,pneumonia' } }));
    expect([meta.contract, meta.sources.contract, meta.output.labels]).toEqual([{ layout: 'NCHW', scale: 1 / 255, mean: [0.5], std: [0.5] }, 'metadata', ['normal', 'pneumonia']]);
    const flags = readModelInterface(model({ metadata: { 'medslim.preprocess': META } }), { explicit: { scale: 1 } });
    expect([flags.contract, flags.sources.contract]).toEqual([{ layout: 'NCHW', scale: 1, mean: [0], std: [1] }, 'explicit']);
    const u8 = readModelInterface(model({ inputType: DataType.UINT8 }));
    expect([u8.input.dtype, u8.contract, u8.sources.contract]).toEqual(['uint8', { layout: 'NCHW', scale: 1, mean: [0], std: [1] }, 'graph']);
    expect(message(() => readModelInterface(model({ inputType: DataType.UINT8 }), { explicit: { scale: 1 / 255 } }))).toMatch(/raw pixels and normalises inside the graph/);
    expect(message(() => readModelInterface(model({}), { explicit: { mean: [0.5] } }))).toMatch(/needs --scale/);
    expect(code(() => readModelInterface(model({}), { explicit: { scale: 1, mean: [1, 2] } }))).toBe('IntakeError:BAD_CONTRACT');
  });
});

describe('readModelInterface: the class-score output and its kind', () => {
  it('kind from the last op (through shape-only ops), never from the name', () => {
    expect(readModelInterface(model({ outputs: [{ name: 'probabilities', shape: ['N', 2] }] })).output.kind).toBe('logits');
    expect(readModelInterface(model({ outputs: [{ name: 'out', shape: ['N', 2], lastOp: 'Softmax' }] })).output.kind).toBe('probabilities');
    expect(readModelInterface(model({ outputs: [{ name: 'out', shape: ['N', 2], lastOp: 'LogSoftmax' }] })).output.kind).toBe('log-probabilities');
    expect(code(() => readModelInterface(model({ outputs: [{ name: 'out', shape: ['N', 2], lastOp: 'Sigmoid' }] })))).toBe('IntakeError:MODEL_OUTPUT');
    const meta = readModelInterface(model({ outputs: [{ name: 'out', shape: ['N', 2] }], metadata: { 'medslim.output': '{"name":"out","kind":"probabilities"}' } }));
    expect([meta.output.kind, meta.sources.kind, meta.sources.output]).toEqual(['probabilities', 'metadata', 'metadata']);
  });

  it('several outputs: by K, then by name; ambiguous → refused naming --output; never an embedding', () => {
    const two = model({ outputs: [{ name: 'output_0', shape: ['N', 32] }, { name: 'output_1', shape: ['N', 2] }] });
    expect(readModelInterface(two, { numClasses: 2 }).output).toMatchObject({ name: 'output_1', index: 1, numClasses: 2 });
    expect(code(() => readModelInterface(two))).toBe('IntakeError:AMBIGUOUS_OUTPUT');
    expect(message(() => readModelInterface(two))).toMatch(/--output <name>/);
    expect(readModelInterface(two, { explicit: { output: 'output_1' } }).sources.output).toBe('explicit');
    expect(code(() => readModelInterface(two, { explicit: { output: 'output_0' }, numClasses: 2 }))).toBe('IntakeError:CLASS_MISMATCH');
    expect(code(() => readModelInterface(two, { explicit: { output: 'nope' } }))).toBe('IntakeError:MODEL_OUTPUT');
    const named = model({ outputs: [{ name: 'features', shape: ['N', 2] }, { name: 'logits', shape: ['N', 2] }] });
    expect(readModelInterface(named, { numClasses: 2 }).output.name).toBe('logits');
    // An argmax label [N] is not class scores; integer scores are refused (unknown scale).
    expect(code(() => readModelInterface(model({ outputs: [{ name: 'label', shape: ['N'], type: DataType.INT64 }] }), { numClasses: 2 }))).toBe('IntakeError:MODEL_OUTPUT');
    expect(code(() => readModelInterface(model({ outputs: [{ name: 'scores', shape: ['N', 2], type: DataType.INT64 }] })))).toBe('IntakeError:UNSUPPORTED_TYPE');
    const lp = model({ outputs: [{ name: 'label', shape: ['N'], type: DataType.INT64 }, { name: 'probs', shape: ['N', 2], lastOp: 'Softmax' }] });
    expect(readModelInterface(lp, { numClasses: 2 }).output).toMatchObject({ name: 'probs', kind: 'probabilities' });
    expect(readModelInterface(model({ outputs: [{ name: 'y', shape: ['N', 3, 1, 1] }] })).output.numClasses).toBe(3);
  });
});

describe('evidence statistics and feeds', () => {
  it('exact McNemar and binomial tail (known answers)', () => {
    expect(mcnemarExact(0, 0)).toBe(1);
    expect(mcnemarExact(10, 0)).toBeCloseTo(2 / 1024, 15);
    expect(mcnemarExact(5, 5)).toBe(1);
    expect(binomialUpperTail(10, 10, 0.5)).toBeCloseTo(1 / 1024, 15);
    expect(binomialUpperTail(10, 0, 0.3)).toBe(1);
    // P(X ≥ 2 | n = 3, p = 0.5) = 4/8
    expect(binomialUpperTail(3, 2, 0.5)).toBeCloseTo(0.5, 15);
  });

  it('candidates are deduplicated and the ImageNet candidate has one value per channel', () => {
    const c = candidateContracts('NHWC', 3, undefined);
    expect(c.map((x) => x.name)).toEqual(['raw 0–255', 'x/255', '(x/255 − 0.5)/0.5', 'ImageNet mean/std']);
    expect(c[3].contract).toEqual({ layout: 'NHWC', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  });

  it('converts float values to the input type (uint8 rounds and clamps, float16 bits, int64 BigInt)', () => {
    expect([...(toInputType('uint8', Float32Array.of(-3, 12.4, 300)) as Uint8Array)]).toEqual([0, 12, 255]);
    expect([...(toInputType('float16', Float32Array.of(1, -2)) as Uint16Array)]).toEqual([0x3c00, 0xc000]);
    expect([...(toInputType('int64', Float32Array.of(7)) as BigInt64Array)]).toEqual([7n]);
  });
});

describe('refusalForAnyDataset (the API refuses these at job submission)', () => {
  const refusal = (m: ModelProto, explicit?: ExplicitContract) => refusalForAnyDataset(m, { explicit })?.code ?? null;
  it('refuses what every class count refuses, and leaves to the job what some dataset settles', () => {
    // Two score outputs of one K, names that prefer neither: no dataset picks one; contract.output does.
    const twins = model({ outputs: [{ name: 'a', shape: ['N', 2] }, { name: 'b', shape: ['N', 2] }] });
    expect(refusal(twins)).toBe('AMBIGUOUS_OUTPUT');
    expect(refusal(twins, { output: 'b' })).toBeNull();
    // Outputs of different K: a dataset's class count picks one, so the submission passes.
    expect(refusal(model({ outputs: [{ name: 'a', shape: ['N', 2] }, { name: 'b', shape: ['N', 5] }] }))).toBeNull();
    expect(refusal(model({ outputs: [{ name: 'out', shape: ['N', 2], type: DataType.INT64 }] }))).toBe('UNSUPPORTED_TYPE');
    expect(refusal(model({ outputs: [{ name: 'label', shape: ['N'], type: DataType.INT64 }] }))).toBe('MODEL_OUTPUT');
    expect(refusal(model({ input: ['N', 1, 28, 28] }), { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] })).toBe('BAD_CONTRACT');
    expect(refusal(model({ input: ['N', 3, 8, 3] }))).toBe('AMBIGUOUS_LAYOUT');
    expect(refusal(model({}), { labels: ['a', 'b', 'c'] })).toBe('CLASS_MISMATCH');
    // No contract at all is for the evidence rule (it needs the validation split): not refused here.
    expect(refusal(model({}))).toBeNull();
  });
});
