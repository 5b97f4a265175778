import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE_BUDGETS as defaultGateBudgets } from '@medslim/contracts';
import { clinicalGate } from './gate.ts';

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

  it('a class absent from the split fails its sensitivity check with a reason (NaN used to pass: !(NaN > budget))', () => {
    const y = Int32Array.from({ length: 10 }, () => 1); // no class-0 image at all
    const t = logits(Array.from({ length: 10 }, () => [1, 0.9] as [number, number]));
    const g = clinicalGate(t, t, y, 2, ['normal', 'pneumonia'], defaultGateBudgets, { iterations: 50 });
    const missing = g.checks.find((c) => c.name === 'sensitivity_drop[normal]')!;
    expect(missing.value).toBeNaN();
    expect(missing.passed).toBe(false);
    expect(missing.detail).toContain("no 'normal' images");
    expect(g.checks.find((c) => c.name === 'auc_drop')!.passed).toBe(false);
    expect(g.checks.find((c) => c.name === 'sensitivity_drop[pneumonia]')!.passed).toBe(true);
    expect(g.passed).toBe(false);
  });

  it('AUC is ranked by log-odds: margins 30, 25, 20 vs 18, −3 are a perfect ranking for teacher and candidate alike', () => {
    const y = Int32Array.from([1, 1, 1, 0, 0]);
    const teacherL = Float32Array.from([30, 25, 20, 18, -3].flatMap((m) => [0, m]));
    // The candidate swaps the order of the two negatives only: still a perfect ranking, AUC drop 0.
    const cand = Float32Array.from([30, 25, 20, -3, 18].flatMap((m) => [0, m]));
    const g = clinicalGate(teacherL, cand, y, 2, ['a', 'b'], { ...defaultGateBudgets, agreement: 0 }, { iterations: 50 });
    expect(g.checks[0].value).toBe(0);
    // A candidate that ranks the negative at 18 above the positive at 20 loses 1/6 of the pairs.
    const worse = Float32Array.from([30, 25, 17, 18, -3].flatMap((m) => [0, m]));
    const w = clinicalGate(teacherL, worse, y, 2, ['a', 'b'], defaultGateBudgets, { iterations: 50 });
    expect(w.checks[0].value).toBeCloseTo(1 / 6, 12);
  });

  it("decision 'ci' demands the whole 95 % interval inside the budget and says so", () => {
    // 2 of 20 minority images lost: point drop 10 %; a budget of 12 % passes on the point estimate, but the
    // interval's upper end lies above it (losing 2 of ~20 resampled minority images swings by several points).
    const rows = Array.from({ length: 100 }, (_, i) => (i < 2 ? [1, 0.9] : [labels[i], 0.9]) as [number, number]);
    const budgets = { ...defaultGateBudgets, sensitivity: 0.12, auc: 0.2, agreement: 0.9, ece: 0.2 };
    const p = clinicalGate(teacher, logits(rows), labels, 2, ['minority', 'majority'], budgets);
    const c = clinicalGate(teacher, logits(rows), labels, 2, ['minority', 'majority'], budgets, { decision: 'ci' });
    expect(p.decision).toBe('point');
    expect(p.passed).toBe(true);
    expect(c.decision).toBe('ci');
    const sens = c.checks.find((x) => x.name === 'sensitivity_drop[minority]')!;
    expect(sens.ci95[1]).toBeGreaterThan(0.12);
    expect(sens.passed).toBe(false);
    expect(sens.detail).toContain('upper bound');
    expect(c.passed).toBe(false);
  });
});
