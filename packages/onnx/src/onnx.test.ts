import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  addGraphOutputs, arrayToTensor, consumers, DataType, formatSummary, fromFloat16Bits, getAttr, makeGraph, makeNode,
  makeValueInfo, onnx, OnnxError, producers, readModel, removeUnusedInitializers, setMetadata, getMetadata, summarize,
  tensorToArray, toFloat16Bits, topologicalOrder, writeModel,
} from './index.ts';
import { tinyResNet } from './testing/tiny-nets.ts';

const values = (t: { data: unknown }) => Array.from(t.data as ArrayLike<number | bigint>);

describe('tensors ↔ typed arrays', () => {
  it('round-trips every supported dtype through raw_data', () => {
    const cases = [
      ['float32', Float32Array.of(1.5, -2, 3.25)],
      ['uint8', Uint8Array.of(0, 128, 255)],
      ['int8', Int8Array.of(-128, 0, 127)],
      ['int32', Int32Array.of(-2147483648, 7, 2147483647)],
      ['int64', BigInt64Array.of(-5n, 0n, 9007199254740993n)],
      ['float16', Uint16Array.of(toFloat16Bits(1), toFloat16Bits(-0.5), toFloat16Bits(65504))],
    ] as const;
    for (const [dtype, data] of cases) {
      const t = arrayToTensor('t', dtype, [3], data);
      const decoded = onnx.TensorProto.decode(onnx.TensorProto.encode(t).finish());
      const back = tensorToArray(decoded);
      expect(back.dtype).toBe(dtype);
      expect(back.dims).toEqual([3]);
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(data as ArrayLike<number | bigint>));
    }
  });

  it('reads the typed fields (float_data, int32_data, int64_data, double_data)', () => {
    expect(values(tensorToArray({ name: 'f', dataType: DataType.FLOAT, dims: [2], floatData: [0.5, -1] }))).toEqual([0.5, -1]);
    expect(values(tensorToArray({ name: 'u', dataType: DataType.UINT8, dims: [2], int32Data: [3, 250] }))).toEqual([3, 250]);
    expect(values(tensorToArray({ name: 'i', dataType: DataType.INT8, dims: [2], int32Data: [-3, 100] }))).toEqual([-3, 100]);
    expect(values(tensorToArray({ name: 'l', dataType: DataType.INT64, dims: [2], int64Data: [4, -9] }))).toEqual([4n, -9n]);
    expect(values(tensorToArray({ name: 'd', dataType: DataType.DOUBLE, dims: [1], doubleData: [0.125] }))).toEqual([0.125]);
    const h = tensorToArray({ name: 'h', dataType: DataType.FLOAT16, dims: [1], int32Data: [toFloat16Bits(0.333)] });
    expect(fromFloat16Bits((h.data as Uint16Array)[0])).toBeCloseTo(0.333, 3);
  });

  it('refuses external data, wrong lengths and unsupported types with clear errors', () => {
    const ext = { name: 'w', dataType: 1, dims: [4], dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: [{ key: 'location', value: 'w.bin' }] };
    expect(() => tensorToArray(ext)).toThrowError(/external file.*save the model with all tensors inside/);
    try { tensorToArray(ext); } catch (e) { expect((e as OnnxError).code).toBe('EXTERNAL_DATA'); }
    expect(() => tensorToArray({ name: 'x', dataType: 1, dims: [3], rawData: new Uint8Array(8) })).toThrowError(/8 bytes of raw_data but dims \[3\] of float32 need 12/);
    expect(() => tensorToArray({ name: 's', dataType: 8, dims: [1] })).toThrowError(/element type type\(8\)/);
    expect(() => arrayToTensor('x', 'float32', [2, 2], new Float32Array(3))).toThrowError(/3 values for dims \[2,2\]/);
  });

  it('float16 conversion rounds to nearest even and saturates to Infinity', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(1e6)).toBe(0x7c00);
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway between 1 and 1+2^-10: ties to even (1)
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway, ties to even (1+2^-9)
    expect(fromFloat16Bits(0x0001)).toBe(2 ** -24); // smallest subnormal
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN)))).toBe(true);
  });
});

describe('model codec', () => {
  const model = tinyResNet({ channels: 3, classes: 5, size: 8, metadata: { 'medslim.labels': 'a,b,c,d,e' } });
  const bytes = writeModel(model);

  it('a decode/encode round trip changes nothing', () => {
    const again = writeModel(readModel(bytes));
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
  });

  it('refuses bytes that are not ONNX and truncated files, naming the problem', () => {
    expect(() => readModel(new TextEncoder().encode('hello, this is not a model'), 'notes.txt')).toThrowError(/notes.txt is not an ONNX model/);
    try {
      readModel(bytes.subarray(0, Math.floor(bytes.length / 2)), 'half.onnx');
      expect.unreachable();
    } catch (e) {
      expect((e as OnnxError).code).toBe('TRUNCATED');
      expect((e as Error).message).toMatch(/half.onnx is a truncated ONNX file/);
    }
    expect(() => readModel(new Uint8Array(0), 'empty.onnx')).toThrowError(/not an ONNX model/);
  });

  it('summarizes inputs, outputs, opset, ops, parameters and metadata', () => {
    const s = summarize(model);
    expect(s.inputs).toEqual([{ name: 'input', elemType: 'float32', shape: ['N', 3, 8, 8] }]);
    expect(s.outputs).toEqual([{ name: 'logits', elemType: 'float32', shape: ['N', 5] }]);
    expect(s.opset).toBe(13);
    expect(s.opHistogram).toEqual({ Conv: 3, Relu: 3, Add: 1, Flatten: 1, GlobalAveragePool: 1, Gemm: 1 });
    // 8·3·9+8 + 8·8·9+8 + 16·8·9+16 + 5·16+5
    expect(s.parameterCount).toBe(224 + 584 + 1168 + 85);
    expect(s.initializerBytes).toBe(s.parameterCount * 4);
    expect(s.bytes).toBe(bytes.byteLength);
    expect(s.metadata).toEqual({ 'medslim.labels': 'a,b,c,d,e' });
    expect(formatSummary(s)).toContain('input: float32 [N, 3, 8, 8]');
  });

  it('sets and reads metadata_props', () => {
    const m = readModel(bytes);
    setMetadata(m, { 'medslim.preprocess': '{"layout":"NCHW"}' });
    expect(getMetadata(readModel(writeModel(m)))).toEqual({ 'medslim.labels': 'a,b,c,d,e', 'medslim.preprocess': '{"layout":"NCHW"}' });
  });
});

describe('graph helpers', () => {
  it('producers, consumers and topological order (stable, from a shuffled node list)', () => {
    const m = tinyResNet({ channels: 1, classes: 2, size: 6 });
    const g = m.graph!;
    expect(producers(g).get('sum')!.opType).toBe('Add');
    expect(consumers(g).get('a1')!.map((n) => n.opType)).toEqual(['Conv', 'Add']);
    const expected = g.node!.map((n) => n.name);
    g.node = [...g.node!].reverse();
    expect(topologicalOrder(g).map((n) => n.name)).toEqual(expected);
  });

  it('reports cycles and undefined tensors', () => {
    const g = makeGraph('g', [makeNode('Relu', ['b'], ['a']), makeNode('Relu', ['a'], ['b'])], [makeValueInfo('x')], [makeValueInfo('b')]);
    expect(() => topologicalOrder(g)).toThrowError(/cycle/);
    const g2 = makeGraph('g', [makeNode('Relu', ['missing'], ['y'])], [makeValueInfo('x')], [makeValueInfo('y')]);
    expect(() => topologicalOrder(g2)).toThrowError(/reads 'missing', which no node, input or initializer defines/);
  });

  it('exposes an intermediate tensor as a graph output that onnxruntime returns', async () => {
    const m = tinyResNet({ channels: 1, classes: 2, size: 6 });
    addGraphOutputs(m, ['a1', 'logits']);
    expect(m.graph!.output!.map((o) => o.name)).toEqual(['logits', 'a1']);
    const s = await ort.InferenceSession.create(writeModel(m));
    const out = await s.run({ input: new ort.Tensor('float32', new Float32Array(36).fill(0.5), [1, 1, 6, 6]) });
    expect(out.a1.dims).toEqual([1, 8, 6, 6]);
    expect(Math.min(...(out.a1.data as Float32Array))).toBeGreaterThanOrEqual(0); // post-ReLU
  });

  it('removeUnusedInitializers drops orphans', async () => {
    const m = tinyResNet({ channels: 1, classes: 2, size: 6 });
    const g = m.graph!;
    g.initializer!.push(arrayToTensor('orphan', 'float32', [2], new Float32Array(2)));
    expect(removeUnusedInitializers(g)).toBe(1);
    const s = await ort.InferenceSession.create(writeModel(m));
    expect(s.outputNames).toEqual(['logits']);
  });

  it('reads node attributes by type', () => {
    const n = makeNode('Conv', ['x', 'w'], ['y'], { strides: [2, 2], group: 1, alpha: { float: 0.5 }, auto_pad: 'NOTSET' });
    expect(getAttr(n, 'strides')).toEqual([2, 2]);
    expect(getAttr(n, 'group')).toBe(1);
    expect(getAttr(n, 'alpha')).toBe(0.5);
    expect(getAttr(n, 'auto_pad')).toBe('NOTSET');
    expect(getAttr(n, 'missing')).toBeUndefined();
  });
});

describe('built models run in onnxruntime-node', () => {
  it('a 3-channel K=5 tiny ResNet gives [N,5] logits', async () => {
    const m = tinyResNet({ channels: 3, classes: 5, size: 8, batchNorm: true, activation: 'relu6' });
    const s = await ort.InferenceSession.create(writeModel(m));
    const out = await s.run({ input: new ort.Tensor('float32', new Float32Array(2 * 3 * 64).fill(0.1), [2, 3, 8, 8]) });
    expect(out.logits.dims).toEqual([2, 5]);
    const d = out.logits.data as Float32Array;
    for (let k = 0; k < 5; k++) expect(d[k]).toBeCloseTo(d[5 + k], 6); // same image twice → same logits
  });
});

