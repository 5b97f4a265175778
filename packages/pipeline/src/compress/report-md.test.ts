import { describe, expect, it } from 'vitest';
import type { SearchReport } from '@medslim/contracts';
import { choiceMarkdown } from './report-md.ts';
import { chooseCandidate, type Candidate } from './search.ts';

const split = { auc: 0.9, accuracy: 0.9, ece: 0.05, agreement: 0.95, perClass: [] };
const gate = (failed: string[]) => ({ passed: failed.length === 0, failed });
function cand(name: string, kind: Candidate['kind'], width: number | null, bytes: number, val: string[], test: string[]): Candidate {
  return {
    name, kind, file: `${name}.onnx`, width, resolution: 28, params: bytes / 4, bytes, latencyMs: 1, val: split, gateVal: gate(val), test: split, gateTest: gate(test),
    constraintsFailed: [], worstSensitivityDrop: val.length ? 0.1 : 0,
  };
}
/** The search section as the compress job writes it: chooseCandidate's choice over these candidates. */
function search(cands: Candidate[], teacherBytes: number): SearchReport {
  const c = chooseCandidate(cands, teacherBytes);
  return { candidates: cands, chosen: c.chosen, reason: c.reason, bestEffort: c.bestEffort, closestStudent: c.closestStudent, skipped: [] };
}

describe('report.md: why this model', () => {
  it('no student passes → the INT8 teacher, with the closest student and its failed checks on validation and test (BreastMNIST-like)', () => {
    const cands = [
      cand('student', 'student', 1, 348_000, ['auc_drop', 'sensitivity_drop[malignant]', 'agreement'], ['auc_drop', 'agreement']),
      cand('int8', 'int8', 1, 106_000, ['auc_drop', 'sensitivity_drop[malignant]', 'sensitivity_drop[normal]', 'agreement'], ['auc_drop']),
      cand('teacher-int8', 'teacher-int8', null, 11_282_000, [], []),
      cand('student-w1.5', 'student', 1.5, 700_000, ['agreement'], ['sensitivity_drop[malignant]', 'agreement']),
    ];
    const text = choiceMarkdown(search(cands, 44_665_000), 44_665_000).join('\n');
    expect(text).toBe([
      '## Why this model',
      '',
      '**teacher-int8** (11,282,000 bytes, 1/4 of the teacher) is the smallest candidate whose gate passes on validation; on test it passes (the test split confirms, it does not choose).',
      '',
      'No student passes the gate on validation (3 student candidates explored: widths 1, 1.5; float, INT8), so the INT8 teacher (post-training quantization of the teacher itself) is returned. '
        + 'The closest student (fewest failed checks on validation, then the smallest worst per-class sensitivity drop) is **student-w1.5** (700,000 bytes, 1/64 of the teacher): on validation it fails agreement; on test it fails sensitivity_drop[malignant], agreement.',
      '',
    ].join('\n'));
  });

  it('a student passes → it is named with its test confirmation, and no closest-student paragraph', () => {
    const cands = [cand('student', 'student', 1, 348_000, [], ['agreement']), cand('int8', 'int8', 1, 106_000, ['agreement'], []), cand('teacher-int8', 'teacher-int8', null, 11_282_000, [], [])];
    const lines = choiceMarkdown(search(cands, 44_665_000), 44_665_000);
    expect(lines).toEqual(['## Why this model', '', '**student** (348,000 bytes, 1/128 of the teacher) is the smallest candidate whose gate passes on validation; on test it fails agreement (the test split confirms, it does not choose).', '']);
  });

  it('nothing passes → best effort, said first, with what the returned model fails', () => {
    const cands = [cand('student', 'student', 1, 348_000, ['agreement', 'auc_drop'], ['agreement']), cand('teacher-int8', 'teacher-int8', null, 11_282_000, ['ece_increase'], [])];
    const text = choiceMarkdown(search(cands, 44_665_000), 44_665_000).join('\n');
    expect(text).toContain('**Best effort: no candidate passes the gate on validation.** The job returns the closest one, **teacher-int8** (11,282,000 bytes, 1/4 of the teacher), which on validation fails ece_increase; on test it passes.');
    expect(text).toContain('No student passes the gate on validation (1 student candidate explored: width 1; float). The closest student (fewest failed checks on validation, then the smallest worst per-class sensitivity drop) is **student**');
    expect(text).not.toContain('so the INT8 teacher');
  });

  it('a class with fewer validation images than 1/budget: the report says one image is more than the budget (BreastMNIST: 21 malignant, 57 benign)', () => {
    const cands = [cand('student', 'student', 1, 348_000, ['sensitivity_drop[malignant]'], []), cand('teacher-int8', 'teacher-int8', null, 11_282_000, [], [])];
    const val = { labels: ['malignant', 'normal_or_benign'], classCounts: [21, 57], sensitivityBudget: 0.03 };
    const text = choiceMarkdown(search(cands, 44_665_000), 44_665_000, val).join('\n');
    // 1/21 = 4.76 points and 1/57 = 1.75 points against a 3-point budget: only malignant is coarser than the budget.
    expect(text).toContain('The validation split is small: one of its 21 malignant images is 4.8 points of malignant sensitivity — more than the 3.0-point budget, so a candidate passes that check only if it misses no more of those images than the teacher does.');
    expect(text).not.toContain('57 normal_or_benign');
    // No sensitivity check failed anywhere: nothing to explain.
    const passing = [cand('student', 'student', 1, 348_000, [], []), cand('teacher-int8', 'teacher-int8', null, 11_282_000, [], [])];
    expect(choiceMarkdown(search(passing, 44_665_000), 44_665_000, val).join('\n')).not.toContain('validation split is small');
  });

  it('refuses a chosen name that is not a candidate', () => {
    expect(() => choiceMarkdown({ candidates: [], chosen: 'x', reason: '', bestEffort: false, closestStudent: null, skipped: [] }, 1)).toThrow(/'x' is not among the candidates/);
  });
});
