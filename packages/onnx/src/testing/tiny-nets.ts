/**
 * Small ONNX classifiers built with this package, for tests across medslim: seeded weights, any
 * channel count C and class count K. Not part of the public index.
 */
import { mulberry32 } from '@medslim/data';
import { arrayToTensor } from '../tensor.ts';
import { makeGraph, makeModel, makeNode, makeValueInfo } from '../build.ts';
import { DataType } from '../dtype.ts';
import type { ModelProto, NodeProto, TensorProto } from '../proto.ts';

/** Deterministic uniform [-scale, scale) values (mulberry32). */
export function seededValues(n: number, seed: number, scale = 1): Float32Array {
  const u = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (u() * 2 - 1) * scale);
}

export interface TinyNetOptions {
  channels: number;
  classes: number;
  size: number;
  seed?: number;
  /** Include a BatchNormalization after the first conv (folded by ORT's basic optimization). */
  batchNorm?: boolean;
  /** Activation after the convs: 'relu' or 'relu6' (Clip 0..6). */
  activation?: 'relu' | 'relu6';
  metadata?: Record<string, string>;
}

/**
 * A small residual CNN: Conv3×3(C→8) [BN] act → Conv3×3(8→8) → Add(residual) act → Conv3×3 stride 2 (8→16) act
 * → GlobalAveragePool → Flatten → Gemm(16→K). Input 'input' [N, C, size, size], output 'logits' [N, K]. Opset 13.
 */
export function tinyResNet(opts: TinyNetOptions): ModelProto {
  const seed = opts.seed ?? 1;
  const C = opts.channels;
  const inits: TensorProto[] = [];
  const nodes: NodeProto[] = [];
  const w = (name: string, dims: number[], s: number, scale: number) => {
    const n = dims.reduce((a, b) => a * b, 1);
    inits.push(arrayToTensor(name, 'float32', dims, seededValues(n, s, scale)));
    return name;
  };
  const act = (x: string, y: string) => {
    if (opts.activation === 'relu6') {
      inits.push(arrayToTensor(`${y}_min`, 'float32', [], Float32Array.of(0)), arrayToTensor(`${y}_max`, 'float32', [], Float32Array.of(6)));
      nodes.push(makeNode('Clip', [x, `${y}_min`, `${y}_max`], [y]));
    } else nodes.push(makeNode('Relu', [x], [y]));
  };
  nodes.push(makeNode('Conv', ['input', w('c1.w', [8, C, 3, 3], seed + 1, 0.5), w('c1.b', [8], seed + 2, 0.1)], ['c1'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }));
  let x = 'c1';
  if (opts.batchNorm) {
    const gamma = seededValues(8, seed + 3, 0.5).map((v) => 1 + v);
    const beta = seededValues(8, seed + 4, 0.2);
    const mean = seededValues(8, seed + 5, 0.3);
    const variance = seededValues(8, seed + 6, 0.5).map((v) => 1 + v);
    inits.push(
      arrayToTensor('bn.gamma', 'float32', [8], gamma),
      arrayToTensor('bn.beta', 'float32', [8], beta),
      arrayToTensor('bn.mean', 'float32', [8], mean),
      arrayToTensor('bn.var', 'float32', [8], variance),
    );
    nodes.push(makeNode('BatchNormalization', ['c1', 'bn.gamma', 'bn.beta', 'bn.mean', 'bn.var'], ['bn1'], { epsilon: { float: 1e-5 } }));
    x = 'bn1';
  }
  act(x, 'a1');
  nodes.push(makeNode('Conv', ['a1', w('c2.w', [8, 8, 3, 3], seed + 7, 0.3), w('c2.b', [8], seed + 8, 0.1)], ['c2'], { pads: [1, 1, 1, 1] }));
  nodes.push(makeNode('Add', ['c2', 'a1'], ['sum']));
  act('sum', 'a2');
  nodes.push(makeNode('Conv', ['a2', w('c3.w', [16, 8, 3, 3], seed + 9, 0.3), w('c3.b', [16], seed + 10, 0.1)], ['c3'], { pads: [1, 1, 1, 1], strides: [2, 2] }));
  act('c3', 'a3');
  nodes.push(makeNode('GlobalAveragePool', ['a3'], ['gap']));
  nodes.push(makeNode('Flatten', ['gap'], ['flat']));
  nodes.push(makeNode('Gemm', ['flat', w('fc.w', [opts.classes, 16], seed + 11, 0.5), w('fc.b', [opts.classes], seed + 12, 0.1)], ['logits'], { transB: 1 }, 'fc'));
  const graph = makeGraph(
    'tiny_resnet',
    nodes,
    [makeValueInfo('input', 1, ['N', C, opts.size, opts.size])],
    [makeValueInfo('logits', 1, ['N', opts.classes])],
    inits,
  );
  return makeModel(graph, { opset: 13, metadata: opts.metadata });
}

/** Gemm weight `[4, 2]` row-major of {@link tinyGemm}. */
export const TINY_W = [
  [1, 0],
  [0, 1],
  [1, -1],
  [2, 0.5],
];
/** Gemm bias `[2]` of {@link tinyGemm}. */
export const TINY_B = [0.5, -1];

/** Reference logits of {@link tinyGemm} for one image of 4 pixels: `x · W + b`. */
export function tinyGemmLogits(pixels: ArrayLike<number>): [number, number] {
  const out: [number, number] = [TINY_B[0], TINY_B[1]];
  for (let p = 0; p < 4; p++) {
    out[0] += pixels[p] * TINY_W[p][0];
    out[1] += pixels[p] * TINY_W[p][1];
  }
  return out;
}

/**
 * A hand-checkable classifier (opset 13): `input` float [N, 1, 2, 2] → Flatten(axis 1) → Gemm(W [4, 2], b [2]) →
 * `logits` [N, 2]. With `kind: 'identity'` the graph is one Identity, `input` → `logits` [N, 1, 2, 2] (not a
 * class-score output).
 */
export function tinyGemm(kind: 'gemm' | 'identity' = 'gemm'): ModelProto {
  const input = makeValueInfo('input', DataType.FLOAT, ['N', 1, 2, 2]);
  if (kind === 'identity') {
    return makeModel(makeGraph('tiny_identity', [makeNode('Identity', ['input'], ['logits'])], [input], [makeValueInfo('logits', DataType.FLOAT, ['N', 1, 2, 2])]));
  }
  const nodes = [makeNode('Flatten', ['input'], ['flat'], { axis: 1 }), makeNode('Gemm', ['flat', 'W', 'B'], ['logits'])];
  const weights = [arrayToTensor('W', 'float32', [4, 2], Float32Array.from(TINY_W.flat())), arrayToTensor('B', 'float32', [2], Float32Array.from(TINY_B))];
  return makeModel(makeGraph('tiny_gemm', nodes, [input], [makeValueInfo('logits', DataType.FLOAT, ['N', 2])], weights));
}
