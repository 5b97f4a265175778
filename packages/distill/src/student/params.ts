import * as tf from '@tensorflow/tfjs-core';
import { hasExpand, hiddenChannels, type StudentConfig } from './config.ts';
import { mulberry32 } from '@medslim/data';

/** BatchNorm parameters: γ, β (trained) and running mean/variance (tracked, not trained). */
export interface BatchNormParams {
  gamma: tf.Variable;
  beta: tf.Variable;
  mean: tf.Variable;
  variance: tf.Variable;
}

/** A conv (no bias: BatchNorm follows) with its BatchNorm. Weights NHWC-style: [kh, kw, in, out]; depthwise [kh, kw, C, 1]. */
export interface ConvBn {
  w: tf.Variable;
  bn: BatchNormParams;
}

export interface BlockParams {
  expand?: ConvBn;
  depthwise: ConvBn;
  project: ConvBn;
}

/** All weights of a student, as tfjs variables. */
export interface StudentParams {
  stem: ConvBn;
  blocks: BlockParams[];
  head: ConvBn;
  /** Fully connected: w [head, K], b [K]. */
  fc: { w: tf.Variable; b: tf.Variable };
}

/** Seeded N(0, 1) values (mulberry32 + Box–Muller) so initialization is the same on every backend. */
export function seededNormal(n: number, seed: number): Float32Array {
  const uniform = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(uniform(), 1e-12);
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/**
 * Initializes a student like torchvision's MobileNetV2: convs Kaiming-normal (fan-out), BatchNorm γ = 1, β = 0,
 * running mean 0 and variance 1, the classifier N(0, 0.01²) with zero bias. Deterministic for a seed.
 */
export function initStudent(config: StudentConfig, seed: number): StudentParams {
  let s = seed * 1000 + 1;
  const conv = (kh: number, kw: number, cin: number, cout: number, depthwise = false): ConvBn => {
    const fanOut = depthwise ? kh * kw * cin : kh * kw * cout;
    const n = kh * kw * cin * (depthwise ? 1 : cout);
    const std = Math.sqrt(2 / fanOut);
    const values = seededNormal(n, s++).map((x) => x * std);
    const ch = depthwise ? cin : cout;
    return {
      w: tf.variable(tf.tensor4d(values, [kh, kw, cin, depthwise ? 1 : cout]), true),
      bn: {
        gamma: tf.variable(tf.ones([ch]), true),
        beta: tf.variable(tf.zeros([ch]), true),
        mean: tf.variable(tf.zeros([ch]), false),
        variance: tf.variable(tf.ones([ch]), false),
      },
    };
  };
  const blocks: BlockParams[] = config.blocks.map((b) => {
    const h = hiddenChannels(b);
    return {
      ...(hasExpand(b) ? { expand: conv(1, 1, b.in, h) } : {}),
      depthwise: conv(3, 3, h, 1, true),
      project: conv(1, 1, h, b.out),
    };
  });
  const last = config.blocks[config.blocks.length - 1].out;
  return {
    stem: conv(3, 3, config.inputChannels, config.stem),
    blocks,
    head: conv(1, 1, last, config.head),
    fc: {
      w: tf.variable(tf.tensor2d(seededNormal(config.head * config.numClasses, s++).map((x) => x * 0.01), [config.head, config.numClasses]), true),
      b: tf.variable(tf.zeros([config.numClasses]), true),
    },
  };
}

/** Every variable with a stable dotted name (e.g. `blocks.3.expand.bn.gamma`), in a fixed order. */
export function namedVariables(p: StudentParams): [string, tf.Variable][] {
  const out: [string, tf.Variable][] = [];
  const convBn = (prefix: string, c: ConvBn) => {
    out.push([`${prefix}.w`, c.w], [`${prefix}.bn.gamma`, c.bn.gamma], [`${prefix}.bn.beta`, c.bn.beta], [`${prefix}.bn.mean`, c.bn.mean], [`${prefix}.bn.variance`, c.bn.variance]);
  };
  convBn('stem', p.stem);
  p.blocks.forEach((b, i) => {
    if (b.expand) convBn(`blocks.${i}.expand`, b.expand);
    convBn(`blocks.${i}.depthwise`, b.depthwise);
    convBn(`blocks.${i}.project`, b.project);
  });
  convBn('head', p.head);
  out.push(['fc.w', p.fc.w], ['fc.b', p.fc.b]);
  return out;
}

/** Trainable parameter count (conv weights, BatchNorm γ and β, classifier) — PyTorch's `sum(p.numel())`. */
export function parameterCount(p: StudentParams): number {
  return namedVariables(p).filter(([, v]) => v.trainable).reduce((a, [, v]) => a + v.size, 0);
}

/** Disposes every variable of a student. */
export function disposeStudent(p: StudentParams): void {
  for (const [, v] of namedVariables(p)) v.dispose();
}

/** Snapshot of all variables as plain arrays (for checkpoints and export). */
export function snapshot(p: StudentParams): Map<string, { shape: number[]; data: Float32Array }> {
  return new Map(namedVariables(p).map(([k, v]) => [k, { shape: v.shape.slice(), data: v.dataSync() as Float32Array }]));
}

/**
 * Sets a variable's values from a flat array of its size (row-major), copied (the cpu backend would otherwise
 * keep `data` itself, and a caller reusing the array would change the variable). The temporary tensor is
 * disposed: a bare `v.assign(tf.tensor(…))` keeps the temporary — and through it the assigned buffer — alive.
 */
export function assignValues(v: tf.Variable, data: Float32Array): void {
  // The wasm backend copies `data` into its heap when the tensor is made (BackendWasm.move), so it needs no copy of
  // its own (≈ 350 KB of garbage per training step and thread for the reference student's weights); backends that
  // may keep the array (cpu) get a private copy, since callers reuse theirs.
  const t = tf.tensor(tf.getBackend() === 'wasm' ? data : data.slice(), v.shape, v.dtype);
  v.assign(t);
  t.dispose();
}

/** Writes a snapshot back into a student's variables. @throws Error naming a missing or mis-shaped variable. */
export function restore(p: StudentParams, values: Map<string, { shape: number[]; data: Float32Array }>): void {
  for (const [k, v] of namedVariables(p)) {
    const s = values.get(k);
    if (!s) throw new Error(`checkpoint has no variable '${k}'`);
    if (s.shape.join(',') !== v.shape.join(',')) throw new Error(`checkpoint variable '${k}' has shape [${s.shape}] but the student needs [${v.shape}]`);
    assignValues(v, s.data);
  }
}
