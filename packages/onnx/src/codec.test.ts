/**
 * The ONNX codec (official onnx.proto of ONNX 1.20 through protobufjs): current exports re-encode to the same
 * bytes, fields newer than ONNX 1.10 survive, unknown fields survive decode → encode, and the committed schema is
 * what the generator makes from the onnx-buf package.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { onnx, readModel, writeModel, UNKNOWN_FIELDS, type ModelProto, type NodeProto } from './index.ts';
import { generateSchema } from '../scripts/schema-gen.ts';

const repo = new URL('../../../', import.meta.url).pathname;
const exportsDir = join(repo, 'tests', 'fixtures', 'exports');
const fixtures = readdirSync(exportsDir).filter((f) => f.endsWith('.onnx')).map((f) => join(exportsDir, f));

/** Raw protobuf bytes for one field, written with protobufjs's Writer directly (not through the ONNX schema). */
function field(id: number, write: (w: protobuf.Writer) => protobuf.Writer, wireType: number): Uint8Array {
  return Uint8Array.from(write(protobuf.Writer.create().uint32((id << 3) | wireType)).finish());
}
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('ONNX codec (onnx.proto of ONNX 1.20)', () => {
  it('re-encodes every export fixture and the demo teacher to the identical bytes', () => {
    const files = [...fixtures, join(exportsDir, 'external', 'model.onnx'), join(repo, 'examples', 'pneumoniamnist', 'pneumoniamnist-resnet18.onnx')];
    expect(files.length).toBeGreaterThanOrEqual(20);
    for (const file of files) {
      const bytes = readFileSync(file);
      expect(Buffer.compare(Buffer.from(writeModel(readModel(bytes, file, { keepExternalData: true }))), bytes), file).toBe(0);
    }
  });

  it('keeps fields that ONNX 1.10 did not know: node/graph/tensor metadata_props (IR 10), model configuration (IR 11), FLOAT8/INT4 types', () => {
    const model = readModel(join(exportsDir, 'plain.onnx'));
    const g = model.graph!;
    g.node![0].metadataProps = [{ key: 'source', value: 'conv1' }];
    g.node![0].overload = 'v2';
    g.metadataProps = [{ key: 'graph', value: 'main' }];
    g.initializer![0].metadataProps = [{ key: 'quant', value: 'none' }];
    model.configuration = [{ name: 'cpu2', numDevices: 2, device: ['cpu:0', 'cpu:1'] }];
    const back = readModel(writeModel(model));
    expect(back.graph!.node![0].metadataProps).toEqual([{ key: 'source', value: 'conv1' }]);
    expect(back.graph!.node![0].overload).toBe('v2');
    expect(back.graph!.metadataProps).toEqual([{ key: 'graph', value: 'main' }]);
    expect(back.graph!.initializer![0].metadataProps).toEqual([{ key: 'quant', value: 'none' }]);
    expect(back.configuration).toEqual([{ name: 'cpu2', numDevices: 2, device: ['cpu:0', 'cpu:1'] }]);
    // NodeProto field 9 written by hand (key/value entry) decodes as metadataProps: the schema is the IR-10+ one
    const entry = concat(field(1, (w) => w.string('k'), 2), field(2, (w) => w.string('v'), 2));
    const node = onnx.NodeProto.decode(concat(field(4, (w) => w.string('Relu'), 2), field(9, (w) => w.bytes(entry), 2)));
    expect(node.opType).toBe('Relu');
    expect(node.metadataProps).toEqual([{ key: 'k', value: 'v' }]);
    expect(onnx.TensorProto.DataType.FLOAT8E4M3FN).toBe(17);
    expect(onnx.TensorProto.DataType.INT4).toBe(22);
    expect(onnx.Version.IR_VERSION).toBeGreaterThanOrEqual(13);
  });

  it('keeps unknown fields (every wire type) through decode → encode, at the model and at a nested node, and onnxruntime still runs the model', async () => {
    const original = readFileSync(join(exportsDir, 'plain.onnx'));
    const nodeExtra = concat(
      field(50, (w) => w.uint64(2 ** 40 + 3), 0), // varint
      field(51, (w) => w.fixed64(7), 1), // 64-bit
      field(52, (w) => w.bytes(Uint8Array.of(1, 2, 3)), 2), // length-delimited
      field(53, (w) => w.fixed32(9), 5), // 32-bit
    );
    const modelExtra = field(99, (w) => w.string('a field from a future onnx.proto'), 2);
    // node 0 re-encoded with the unknown fields after its own, placed first in the graph, the graph last in the model
    const model = readModel(original);
    const graph = model.graph!;
    const [first, ...rest] = graph.node!;
    const firstBytes = concat(onnx.NodeProto.encode(first).finish(), nodeExtra);
    const graphBytes = concat(
      field(1, (w) => w.bytes(firstBytes), 2),
      onnx.GraphProto.encode({ ...graph, node: rest }).finish(),
    );
    const { graph: _g, ...top } = model;
    const bytes = concat(onnx.ModelProto.encode(top).finish(), field(7, (w) => w.bytes(graphBytes), 2), modelExtra);

    const decoded = readModel(bytes);
    expect((decoded as ModelProto & { [UNKNOWN_FIELDS]?: Uint8Array })[UNKNOWN_FIELDS]).toEqual(modelExtra);
    const node0 = decoded.graph!.node![0] as NodeProto & { [UNKNOWN_FIELDS]?: Uint8Array };
    expect(node0.opType).toBe(first.opType);
    expect(node0[UNKNOWN_FIELDS]).toEqual(nodeExtra);
    expect(decoded.graph!.node!.length).toBe(graph.node!.length);

    const rewritten = writeModel(decoded);
    const again = readModel(rewritten);
    expect((again as ModelProto & { [UNKNOWN_FIELDS]?: Uint8Array })[UNKNOWN_FIELDS]).toEqual(modelExtra);
    expect((again.graph!.node![0] as NodeProto & { [UNKNOWN_FIELDS]?: Uint8Array })[UNKNOWN_FIELDS]).toEqual(nodeExtra);
    expect(Buffer.compare(Buffer.from(writeModel(again)), Buffer.from(rewritten))).toBe(0); // a fixed point

    // the reference protobuf parser (in onnxruntime) skips the unknown fields: same outputs as the original
    const x = new ort.Tensor('float32', Float32Array.from({ length: 2 * 784 }, (_, i) => (i % 97) / 97), [2, 1, 28, 28]);
    const run = async (b: Uint8Array) => {
      const s = await ort.InferenceSession.create(b);
      const out = (await s.run({ input: x })).output.data as Float32Array;
      await s.release();
      return Array.from(out);
    };
    expect(await run(rewritten)).toEqual(await run(original));
  });

  it('the committed schema files are what scripts/gen-schema.ts makes from the installed onnx-buf', () => {
    const require = createRequire(import.meta.url);
    const { json, types } = generateSchema(readFileSync(require.resolve('onnx-buf'), 'utf8'));
    expect(readFileSync(new URL('./schema/onnx.schema.json', import.meta.url), 'utf8')).toBe(json);
    expect(readFileSync(new URL('./schema/onnx-types.ts', import.meta.url), 'utf8')).toBe(types);
  });
});
