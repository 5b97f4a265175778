/**
 * The four convolution gradient kernels on wasm against tfjs's cpu backend, element by element (test-utils.ts):
 * each kernel's sweep (k ∈ {1, 3} × stride ∈ {1, 2} × pad ∈ {same, valid} × shapes) and its own cases (channel
 * multipliers, larger filters, explicit and numeric padding, the per-tap path). Checks of one kernel's internals
 * stay in that kernel's test file.
 */
import { beforeAll, describe, it } from 'vitest';
import type { WasmFastPathFlags } from './flags.ts';
import { compareBackends, convGrad, itConvSweep, setupBackends, type ConvGradKernel, type ConvShape, type Pad } from './test-utils.ts';

beforeAll(setupBackends);

interface KernelCases {
  kernel: ConvGradKernel;
  shapes: ConvShape[];
  /** One sweep per entry: first seed, seed step, and wasm fast-path switches for it. */
  sweeps: [seed: number, step: number, flags?: Partial<WasmFastPathFlags>][];
  /** Its own cases, case i seeded `caseSeed + i`. */
  cases: Case[];
  caseSeed?: number;
}

/** [what, x shape NHWC, k, Cout or channel multiplier, stride, pad] */
type Case = [string, number[], number, number, number, Pad];

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

/** Both depthwise gradients: channel multipliers, a 5×5 filter, explicit and numeric padding. */
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
    sweeps: [[100, 7]],
    cases: [
      ['1×1 stride 2 with many channels (per-tap path)', [2, 7, 7, 40], 1, 5, 2, 'same'],
      ['explicit padding', [2, 6, 7, 3], 3, 4, 2, [[0, 0], [1, 2], [2, 0], [0, 0]]],
      ['numeric padding', [2, 6, 7, 8], 3, 4, 1, 1],
    ],
    caseSeed: 11,
  },
  {
    kernel: 'Conv2DBackpropInput',
    shapes: CONV_SHAPES,
    // The 1×1 fast path and the original kernel, 24 cases each.
    sweeps: [[600, 5, { conv2dBackpropInput1x1: true }], [720, 5, { conv2dBackpropInput1x1: false }]],
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
    sweeps: [[300, 7]],
    // 5×5 runs the per-tap path, 7×7 the single-convolution path.
    cases: [...DEPTHWISE_CASES, ['7×7 filter', [2, 9, 9, 4], 7, 1, 1, 'same']],
    caseSeed: 41,
  },
];

for (const { kernel, shapes, sweeps, cases, caseSeed = 0 } of KERNELS) {
  describe(`wasm ${kernel} vs cpu`, () => {
    for (const [seed, step, flags] of sweeps) itConvSweep(kernel, shapes, seed, step, flags);
    cases.forEach(([what, xShape, k, out, strides, pad], i) => {
      it(what, () => compareBackends(`${kernel} ${what}`, convGrad(kernel, xShape, k, out, strides, pad, caseSeed + i)));
    });
  });
}
