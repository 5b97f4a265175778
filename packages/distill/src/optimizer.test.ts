import { describe, expect, it } from 'vitest';
import { applyUpdate, createOptimizerState, learningRate } from './optimizer.ts';

const close = (got: Float32Array, want: number[], digits = 6) => want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, digits));

describe('flat optimizer', () => {
  it('Adam: with a constant gradient each bias-corrected step moves every weight by lr·sign(g) (m̂ = g, v̂ = g²)', () => {
    const w = Float32Array.of(1, -2, 0.5, 3);
    const g = Float32Array.of(0.3, -4, 0, 1e-3);
    const s = createOptimizerState('adam', 4);
    applyUpdate(s, w, g, 0.01, { momentum: 0, weightDecay: 0 });
    close(w, [0.99, -1.99, 0.5, 2.99]);
    applyUpdate(s, w, g, 0.01, { momentum: 0, weightDecay: 0 });
    close(w, [0.98, -1.98, 0.5, 2.98]);
    expect(s.step).toBe(2);
    // m = 0.19·g, v = 0.001999·g² after two steps.
    close(s.slots[0], [0.057, -0.76, 0, 0.00019]);
    close(s.slots[1], [0.001999 * 0.09, 0.001999 * 16, 0, 0.001999 * 1e-6], 8);
  });

  it('SGD with momentum (PyTorch form) and L2 weight decay', () => {
    const w = Float32Array.of(2, -1);
    const g = Float32Array.of(0.5, 0.25);
    const s = createOptimizerState('sgd', 2);
    applyUpdate(s, w, g, 0.1, { momentum: 0.9, weightDecay: 0 });
    close(w, [1.95, -1.025]); // v = g
    applyUpdate(s, w, g, 0.1, { momentum: 0.9, weightDecay: 0 });
    close(w, [1.855, -1.0725]); // v = 0.9·g + g = 1.9·g
    const d = Float32Array.of(2);
    applyUpdate(createOptimizerState('sgd', 1), d, Float32Array.of(0), 0.1, { momentum: 0.9, weightDecay: 0.5 });
    close(d, [1.9]); // g' = 0 + 0.5·2
  });

  it('refuses vectors of different lengths', () => {
    expect(() => applyUpdate(createOptimizerState('adam', 3), new Float32Array(3), new Float32Array(2), 0.1, { momentum: 0, weightDecay: 0 })).toThrow(/differ in length/);
  });

  it('cosine schedule: base at 0, half at the midpoint, 0 at the end', () => {
    expect(learningRate(1e-3, 'cosine', 0, 100)).toBeCloseTo(1e-3, 12);
    expect(learningRate(1e-3, 'cosine', 50, 100)).toBeCloseTo(5e-4, 12);
    expect(learningRate(1e-3, 'cosine', 100, 100)).toBeCloseTo(0, 12);
    expect(learningRate(1, 'step', 80, 100)).toBeCloseTo(0.01, 12);
  });
});
