import { describe, expect, it } from 'vitest';
import { writeModel } from '@medslim/onnx';
import { seededValues, tinyResNet } from '@medslim/onnx/testing';
import type { GateResult } from '../gate.ts';
import { chooseCandidate, mixedPrecisionFallback, type Candidate } from './search.ts';

const split = { auc: 0.9, accuracy: 0.9, ece: 0.05, agreement: 0.95, perClass: [] };
function cand(name: string, kind: Candidate['kind'], bytes: number, passed: boolean, extra: Partial<Candidate> = {}): Candidate {
  return {
    name, kind, file: `${name}.onnx`, width: kind === 'teacher-int8' ? null : 1, resolution: 28, params: bytes / 4, bytes, latencyMs: 1,
    val: split, gateVal: { passed, failed: passed ? [] : ['agreement'] }, test: split, gateTest: { passed: true, failed: [] },
    constraintsFailed: [], worstSensitivityDrop: passed ? 0 : 0.05, ...extra,
  };
}

describe('chooseCandidate: the smallest model whose gate passes on validation', () => {
  it('takes the smallest passing candidate; the test split plays no part', () => {
    const cs = [cand('student', 'student', 350_000, true), cand('int8', 'int8', 100_000, true), cand('student-int8', 'int8', 120_000, true), cand('teacher-int8', 'teacher-int8', 11_000_000, true)];
    // A failing test gate on the smallest does not move the choice: test only confirms.
    cs[1].gateTest = { passed: false, failed: ['auc_drop'] };
    const c = chooseCandidate(cs, 44_000_000);
    expect(c).toMatchObject({ chosen: 'int8', bestEffort: false, closestStudent: null });
    expect(c.reason).toMatch(/smallest of 4\/4 candidates whose gate passes on validation: int8, 100\.0 kB \(1\/440 of the teacher\)/);
  });

  it('equal bytes: lower latency wins; a broken maxBytes/maxLatencyMs constraint rules a candidate out', () => {
    const a = cand('a', 'int8', 100, true, { latencyMs: 2 }), b = cand('b', 'int8', 100, true, { latencyMs: 1 });
    expect(chooseCandidate([a, b], 1e6).chosen).toBe('b');
    const small = cand('small', 'int8', 50, true, { constraintsFailed: ['maxLatencyMs 0.5'] });
    const c = chooseCandidate([small, a], 1e6);
    expect(c.chosen).toBe('a');
    expect(c.reason).toContain('within the constraints');
  });

  it('no student passes → the INT8 teacher, and the report names the closest student and what it failed', () => {
    const cs = [
      cand('student', 'student', 350_000, false, { gateVal: { passed: false, failed: ['agreement', 'auc_drop'] } }),
      cand('int8', 'int8', 100_000, false),
      cand('teacher-int8', 'teacher-int8', 11_000_000, true),
    ];
    const c = chooseCandidate(cs, 44_000_000);
    expect(c.chosen).toBe('teacher-int8');
    expect(c.bestEffort).toBe(false);
    expect(c.closestStudent).toEqual({ name: 'int8', failed: ['agreement'] });
    expect(c.reason).toContain('no student passes the gate on validation — closest: int8 (failed agreement)');
  });

  it('nothing passes → best effort: fewest failed checks, then smallest worst sensitivity drop', () => {
    const cs = [
      cand('student', 'student', 350_000, false, { gateVal: { passed: false, failed: ['agreement', 'auc_drop'] } }),
      cand('int8', 'int8', 100_000, false, { worstSensitivityDrop: 0.2 }),
      cand('teacher-int8', 'teacher-int8', 11_000_000, false, { worstSensitivityDrop: 0.01 }),
    ];
    const c = chooseCandidate(cs, 44_000_000);
    expect(c).toMatchObject({ chosen: 'teacher-int8', bestEffort: true });
    expect(c.reason).toMatch(/^best effort: no candidate passes the gate on validation, not even the INT8 teacher; closest: teacher-int8/);
  });
});

describe('mixedPrecisionFallback on a tiny residual net', () => {
  const C = 3, K = 5, S = 8;
  const model = writeModel(tinyResNet({ channels: C, classes: K, size: S, batchNorm: true, activation: 'relu6', seed: 7 }));
  const calibration = [0, 1].map((b) => ({ data: seededValues(16 * C * S * S, 100 + b, 2), dims: [16, C, S, S] }));
  const val = { data: seededValues(32 * C * S * S, 999, 2), dims: [32, C, S, S] };
  const gate = (passed: boolean): GateResult => ({ passed, candidate: 'x', decision: 'point', split: 'val', budgets: { auc: 0, sensitivity: 0, ece: 0, agreement: 0 }, checks: passed ? [] : [{ name: 'agreement', kind: 'min', value: 0, budget: 1, ci95: [0, 0], passed: false, detail: '' }], rationale: '' });

  it('tables every Conv/Gemm by INT8 logit error and keeps the most sensitive in float until the gate holds', async () => {
    let calls = 0;
    // A gate that holds once two layers are float: steps 1 → 2 float layers.
    const m = await mixedPrecisionFallback(model, calibration, {}, val, K, () => gate(++calls >= 2));
    expect(m.table.map((r) => r.opType).sort()).toEqual(['Conv', 'Conv', 'Conv', 'Gemm']);
    for (const r of m.table) {
      expect(r.logitRmse).toBeGreaterThan(0);
      expect(r.agreement).toBeGreaterThan(0.5);
    }

    expect(m.steps.map((s) => s.floatLayers)).toEqual([1, 2]);
    // Known answer (onnxruntime-node 1.30, x86-64): logit RMSE c3 0.0276 > fc 0.0263 > c1 0.0261 > c2 0.0257.
    expect(m.table.map((r) => [r.node, Number(r.logitRmse.toFixed(4))])).toEqual([['c1', 0.0261], ['c2', 0.0257], ['c3', 0.0276], ['fc', 0.0263]]);
    expect(m.keptFloat).toEqual(['c3', 'fc']);
    expect(m.passed).toBe(true);
    expect(m.bytes).not.toBeNull();
  });

  it('stops at half the layers in float when the gate never holds, and says it failed', async () => {
    const m = await mixedPrecisionFallback(model, calibration, {}, val, K, () => gate(false));
    expect(m.steps.map((s) => s.floatLayers)).toEqual([1, 2]);
    expect(m.passed).toBe(false);
  });
});
