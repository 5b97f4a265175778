/**
 * TEST-ONLY helper: hand-builds tiny ONNX classifiers in memory with
 * @medslim/onnx's protobuf codecs. Not exported from
 * the package index; import it from *.test.ts files only.
 */
import { onnx } from '@medslim/onnx';

/** Gemm weight `[4,2]` row-major of {@link tinyGemmModel}. */
export const TINY_W = [
  [1, 0],
  [0, 1],
  [1, -1],
  [2, 0.5],
];
/** Gemm bias `[2]` of {@link tinyGemmModel}. */
export const TINY_B = [0.5, -1];

/** Reference logits of {@link tinyGemmModel} for one image of 4 pixels: `x · W + b`. */
export function tinyGemmLogits(pixels: ArrayLike<number>): [number, number] {
  const out: [number, number] = [TINY_B[0], TINY_B[1]];
  for (let p = 0; p < 4; p++) {
    out[0] += pixels[p] * TINY_W[p][0];
    out[1] += pixels[p] * TINY_W[p][1];
  }
  return out;
}

function floatValueInfo(name: string, dims: (number | string)[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/**
 * Opset-13, IR-7 model: `input` float [N,1,2,2] → Flatten(axis=1) → Gemm(W [4,2], b [2]) → `logits` [N,2].
 * With `kind: 'identity'` the graph is just Identity: `input` → `logits` [N,1,2,2] (a bad classifier output).
 */
export function tinyGemmModel(kind: 'gemm' | 'identity' = 'gemm'): Uint8Array {
  const graph =
    kind === 'gemm'
      ? {
          name: 'tiny_gemm',
          node: [
            {
              opType: 'Flatten',
              input: ['input'],
              output: ['flat'],
              attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
            },
            { opType: 'Gemm', input: ['flat', 'W', 'B'], output: ['logits'] },
          ],
          initializer: [
            { name: 'W', dims: [4, 2], dataType: onnx.TensorProto.DataType.FLOAT, floatData: TINY_W.flat() },
            { name: 'B', dims: [2], dataType: onnx.TensorProto.DataType.FLOAT, floatData: TINY_B },
          ],
          input: [floatValueInfo('input', ['N', 1, 2, 2])],
          output: [floatValueInfo('logits', ['N', 2])],
        }
      : {
          name: 'tiny_identity',
          node: [{ opType: 'Identity', input: ['input'], output: ['logits'] }],
          input: [floatValueInfo('input', ['N', 1, 2, 2])],
          output: [floatValueInfo('logits', ['N', 1, 2, 2])],
        };
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'medslim-eval-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}
