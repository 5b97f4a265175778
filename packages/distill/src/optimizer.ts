import * as tf from '@tensorflow/tfjs-core';

export type OptimizerName = 'adam' | 'sgd';
export type ScheduleName = 'cosine' | 'step' | 'constant';

/**
 * Learning rate at `step` of `total`: cosine decay to 0 (Loshchilov & Hutter 2017, without restarts), step decay
 * (×0.1 at 50 % and 75 %, as the MedMNIST teachers were trained), or constant.
 */
export function learningRate(base: number, schedule: ScheduleName, step: number, total: number): number {
  const p = total > 0 ? Math.min(1, step / total) : 0;
  if (schedule === 'cosine') return base * 0.5 * (1 + Math.cos(Math.PI * p));
  if (schedule === 'step') return base * (p >= 0.75 ? 0.01 : p >= 0.5 ? 0.1 : 1);
  return base;
}

/** Optimizer state per variable (Adam: m, v; SGD: velocity), kept as tfjs variables for checkpointing. */
export interface OptimizerState {
  name: OptimizerName;
  step: number;
  slots: Map<string, tf.Variable[]>;
}

export function createOptimizerState(name: OptimizerName, vars: [string, tf.Variable][]): OptimizerState {
  const slots = new Map<string, tf.Variable[]>();
  for (const [k, v] of vars) {
    slots.set(k, name === 'adam' ? [tf.variable(tf.zerosLike(v), false), tf.variable(tf.zerosLike(v), false)] : [tf.variable(tf.zerosLike(v), false)]);
  }
  return { name, step: 0, slots };
}

/**
 * One update. Adam (Kingma & Ba 2015): β1 0.9, β2 0.999, ε 1e-8, bias-corrected; SGD with momentum μ
 * (PyTorch's form: v = μv + g; w −= lr·v). `weightDecay` adds λ·w to the gradient (L2, as torch's weight_decay).
 */
export function applyUpdate(state: OptimizerState, vars: [string, tf.Variable][], grads: Record<string, tf.Tensor>, lr: number, opts: { momentum: number; weightDecay: number }): void {
  state.step++;
  const t = state.step;
  tf.tidy(() => {
    for (const [k, v] of vars) {
      let g = grads[k];
      if (!g) continue;
      if (opts.weightDecay > 0) g = tf.add(g, tf.mul(v, opts.weightDecay));
      const s = state.slots.get(k)!;
      if (state.name === 'adam') {
        const [m, vv] = s;
        m.assign(tf.add(tf.mul(m, 0.9), tf.mul(g, 0.1)));
        vv.assign(tf.add(tf.mul(vv, 0.999), tf.mul(tf.square(g), 0.001)));
        const mHat = tf.div(m, 1 - 0.9 ** t);
        const vHat = tf.div(vv, 1 - 0.999 ** t);
        v.assign(tf.sub(v, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), 1e-8)), lr)));
      } else {
        const [vel] = s;
        vel.assign(tf.add(tf.mul(vel, opts.momentum), g));
        v.assign(tf.sub(v, tf.mul(vel, lr)));
      }
    }
  });
}

export function disposeOptimizerState(state: OptimizerState): void {
  for (const s of state.slots.values()) for (const v of s) v.dispose();
}
