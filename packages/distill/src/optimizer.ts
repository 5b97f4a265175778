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

/**
 * Optimizer state over one flat float32 parameter vector (the trainer's flat layout, parallel/shard.ts
 * `trainableLayout`): Adam keeps [m, v], SGD [velocity], each as long as the vector. One flat state and one fused
 * loop per step instead of ~13 tfjs ops per variable (≈ 1,000 kernel calls per step for the reference student).
 */
export interface OptimizerState {
  name: OptimizerName;
  /** Updates applied so far (Adam's bias correction uses it). */
  step: number;
  slots: Float32Array[];
}

export function createOptimizerState(name: OptimizerName, size: number): OptimizerState {
  return { name, step: 0, slots: name === 'adam' ? [new Float32Array(size), new Float32Array(size)] : [new Float32Array(size)] };
}

/**
 * One update of the flat weights `w` in place from the flat gradient `g` (same length). Adam (Kingma & Ba 2015):
 * β1 0.9, β2 0.999, ε 1e-8, bias-corrected, w −= lr·m̂/(√v̂ + ε); SGD with momentum μ (PyTorch's form:
 * v = μv + g; w −= lr·v). `weightDecay` adds λ·w to the gradient (L2, as torch's weight_decay). Each element is
 * computed in float64 and stored as float32, in index order (deterministic).
 */
export function applyUpdate(state: OptimizerState, w: Float32Array, g: Float32Array, lr: number, opts: { momentum: number; weightDecay: number }): void {
  if (w.length !== g.length || state.slots.some((s) => s.length !== w.length)) {
    throw new Error(`optimizer: weights (${w.length}), gradient (${g.length}) and state (${state.slots.map((s) => s.length).join(', ')}) differ in length`);
  }
  state.step++;
  const wd = opts.weightDecay;
  if (state.name === 'adam') {
    const [m, v] = state.slots;
    const c1 = 1 / (1 - 0.9 ** state.step), c2 = 1 / (1 - 0.999 ** state.step);
    for (let i = 0; i < w.length; i++) {
      const gi = wd > 0 ? g[i] + wd * w[i] : g[i];
      m[i] = 0.9 * m[i] + 0.1 * gi;
      v[i] = 0.999 * v[i] + 0.001 * gi * gi;
      w[i] -= (lr * m[i] * c1) / (Math.sqrt(v[i] * c2) + 1e-8);
    }
  } else {
    const [vel] = state.slots;
    const mu = opts.momentum;
    for (let i = 0; i < w.length; i++) {
      const gi = wd > 0 ? g[i] + wd * w[i] : g[i];
      vel[i] = mu * vel[i] + gi;
      w[i] -= lr * vel[i];
    }
  }
}
