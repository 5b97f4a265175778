/**
 * The four convolution gradient kernels on wasm against tfjs's cpu backend, element by element (test-utils.ts):
 * each kernel's sweep (k ∈ {1, 3} × stride ∈ {1, 2} × pad ∈ {same, valid} × shapes) and its own cases (channel
 * multipliers, larger filters, explicit and numeric padding, the per-tap path). Checks of one kernel's internals
 * stay in that kernel's test file.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { IM2COL_MAX_PATCH } from './Conv2DBackpropFilter.ts';
import type { WasmFastPathFlags } from './flags.ts';
import { compareBackends, convGrad, itConvSweep, pathsOf, setupBackends, type ConvCase, type ConvGradKernel, type ConvShape, type Pad } from './test-utils.ts';

beforeAll(setupBackends);

interface KernelCases {
  kernel: ConvGradKernel;
  shapes: ConvShape[];
  /** One sweep per entry: first seed, seed step, wasm fast-path switches, and the kernel path each case must run (paths.ts). */
  sweeps: [seed: number, step: number, flags?: Partial<WasmFastPathFlags>, path?: (c: ConvCase<ConvShape>) => string][];
  /** Its own cases, case i seeded `caseSeed + i`. */
  cases: Case[];
  caseSeed?: number;
}

/** [what, x shape NHWC, k, Cout or channel multiplier, stride, pad, the kernel path it must run (paths.ts; none: not counted)] */
type Case = [string, number[], number, number, number, Pad, string?];

/**
 * Conv2DBackpropFilter's documented paths: 1×1 stride 1 is one matmul; a patch of KH·KW·Cin ≤ IM2COL_MAX_PATCH
 * (the 3-channel stem) one one-hot im2col convolution; anything larger goes tap by tap.
 */
const filterPath = ({ k, strides, shape: [, , , C] }: ConvCase<ConvShape>) => (k === 1 && strides === 1 ? '1x1' : k * k * C <= IM2COL_MAX_PATCH ? 'im2col' : 'taps');

const CONV_SHAPES: ConvShape[] = [
  // N, H, W, Cin, Cout
  [1, 7, 7, 3, 8],
  [3, 5, 5, 8, 3],
  [3, 7, 5, 8, 8],
];
const DEPTHWISE_SHAPES: ConvShape[] = [
  // N, H, W, C, channel multiplier
  [1, 7, 7, 3, 1],
  [3, 5, 5, 8, 1],
  [3, 7, 6, 8, 1],
];

/** Both depthwise gradients: channel multipliers, a 5×5 filter, explicit and numeric padding (the filter gradient's per-tap path). */
const DEPTHWISE_CASES: Case[] = [
  ['channel multiplier 2', [2, 7, 7, 3], 3, 2, 2, 'same'],
  ['channel multiplier 3', [1, 6, 5, 4], 3, 3, 1, 'valid'],
  ['5×5 filter', [2, 9, 9, 4], 5, 1, 2, 'same'],
  ['explicit padding', [2, 7, 8, 3], 3, 1, 2, [[0, 0], [2, 1], [0, 2], [0, 0]]],
  ['numeric padding', [2, 7, 7, 3], 3, 1, 1, 1],
];

const KERNELS: KernelCases[] = [
  {
    kernel: 'Conv2DBackpropFilter',
    shapes: CONV_SHAPES,
    sweeps: [[100, 7, undefined, filterPath]],
    cases: [
      ['1×1 stride 2 with many channels (per-tap path)', [2, 7, 7, 40], 1, 5, 2, 'same', 'taps'],
      ['explicit padding', [2, 6, 7, 3], 3, 4, 2, [[0, 0], [1, 2], [2, 0], [0, 0]], 'im2col'],
      ['numeric padding', [2, 6, 7, 8], 3, 4, 1, 1, 'taps'],
      ['1×1 stride 1, Cin > Cout (one matmul)', [1, 7, 7, 8], 1, 3, 1, 'same', '1x1'],
    ],
    caseSeed: 11,
  },
  {
    kernel: 'Conv2DBackpropInput',
    shapes: CONV_SHAPES,
    // The 1×1 fast path and the original kernel, 24 cases each.
    // The fast path takes 1×1 stride 1 (no padding either way); every other case goes to wasm's own kernel.
    sweeps: [
      [600, 5, { conv2dBackpropInput1x1: true }, ({ k, strides }) => (k === 1 && strides === 1 ? 'fast' : 'original')],
      [720, 5, { conv2dBackpropInput1x1: false }, () => 'original'],
    ],
    cases: [],
  },
  {
    kernel: 'DepthwiseConv2dNativeBackpropInput',
    shapes: DEPTHWISE_SHAPES,
    sweeps: [[200, 7]],
    cases: DEPTHWISE_CASES,
    caseSeed: 31,
  },
  {
    kernel: 'DepthwiseConv2dNativeBackpropFilter',
    shapes: DEPTHWISE_SHAPES,
    sweeps: [[300, 7, undefined, () => 'taps']],
    // Up to 5×5 (25 taps) the per-tap path, 7×7 the single-convolution path.
    cases: [...DEPTHWISE_CASES.map(([what, x, k, m, strides, pad]): Case => [what, x, k, m, strides, pad, 'taps']), ['7×7 filter', [2, 9, 9, 4], 7, 1, 1, 'same', 'conv']],
    caseSeed: 41,
  },
];

for (const { kernel, shapes, sweeps, cases, caseSeed = 0 } of KERNELS) {
  describe(`wasm ${kernel} vs cpu`, () => {
    for (const [seed, step, flags, path] of sweeps) itConvSweep(kernel, shapes, seed, step, flags, path);
    cases.forEach(([what, xShape, k, out, strides, pad, path], i) => {
      it(what, async () => {
        const paths = await compareBackends(`${kernel} ${what}`, convGrad(kernel, xShape, k, out, strides, pad, caseSeed + i));
        if (path) expect(pathsOf(paths, kernel)).toEqual({ [path]: 1 });
      });
    });
  });
}
