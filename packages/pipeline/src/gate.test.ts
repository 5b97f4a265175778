import { describe, expect, it } from 'vitest';
import { clinicalGate, defaultGateBudgets } from './gate.ts';

/** Logits that put probability p on class c for a 2-class problem. */
function logits(rows: [number, number][]): Float32Array {
  return Float32Array.from(rows.flatMap(([c, p]) => (c === 1 ? [0, Math.log(p / (1 - p))] : [Math.log(p / (1 - p)), 0])));
}

describe('clinical safety gate', () => {
  const labels = Int32Array.from({ length: 100 }, (_, i) => (i < 20 ? 0 : 1)); // 20 minority (class 0), 80 majority
  const teacher = logits(Array.from({ length: 100 }, (_, i) => [labels[i], 0.9] as [number, number]));

  it('an identical candidate passes every check with zero drops and agreement 1', () => {
    const g = clinicalGate(teacher, teacher, labels, 2, ['a', 'b'], defaultGateBudgets);
    expect(g.passed).toBe(true);
    expect(g.checks.map((c) => c.name)).toEqual(['auc_drop', 'sensitivity_drop[a]', 'sensitivity_drop[b]', 'ece_increase', 'agreement']);
    expect(g.checks.find((c) => c.name === 'agreement')!.value).toBe(1);
    expect(g.checks[0].value).toBe(0);
    expect(g.checks[0].ci95).toEqual([0, 0]);
  });

  it('fails a candidate that loses the minority class while overall accuracy barely moves (Hooker et al. 2019)', () => {
    // 2 of 20 minority images flipped to the majority class: accuracy drops 2 points, minority sensitivity 10 points.
    const rows = Array.from({ length: 100 }, (_, i) => (i < 2 ? [1, 0.9] : [labels[i], 0.9]) as [number, number]);
    const g = clinicalGate(teacher, logits(rows), labels, 2, ['minority', 'majority'], defaultGateBudgets);
    const sens = g.checks.find((c) => c.name === 'sensitivity_drop[minority]')!;
    expect(sens.value).toBeCloseTo(0.1, 10);
    expect(sens.passed).toBe(false);
    expect(g.checks.find((c) => c.name === 'sensitivity_drop[majority]')!.passed).toBe(true);
    expect(g.checks.find((c) => c.name === 'agreement')!.value).toBeCloseTo(0.98, 10);
    expect(g.passed).toBe(false);
    expect(sens.ci95[0]).toBeLessThanOrEqual(0.1);
    expect(sens.ci95[1]).toBeGreaterThanOrEqual(0.1);
  });

  it('budgets decide: a looser sensitivity budget lets the same candidate pass', () => {
    const rows = Array.from({ length: 100 }, (_, i) => (i < 2 ? [1, 0.9] : [labels[i], 0.9]) as [number, number]);
    const g = clinicalGate(teacher, logits(rows), labels, 2, ['a', 'b'], { ...defaultGateBudgets, sensitivity: 0.15, auc: 0.2 });
    expect(g.passed).toBe(true);
  });
});
