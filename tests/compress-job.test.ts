import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCompressJob, type CompressSpecInput } from '@medslim/pipeline';
import { syntheticTeacherAndData, tempDir } from './helpers/fixtures.ts';

const fast = { latencyIterations: 5, throughputIterations: 1 };

describe('compress job (tiny synthetic teacher and data)', () => {
  it('runs every stage, writes the report with gate and sensitivity, and a killed job resumes to the same figures', async () => {
    const dir = tempDir();
    const { modelPath, dataPath } = await syntheticTeacherAndData(dir, { channels: 1, classes: 2, size: 16, counts: [128, 48, 64] });
    const spec: CompressSpecInput = {
      teacher: modelPath, dataset: dataPath, preset: 'quick', seed: 3,
      // 128 train images at batch 32 = 4 steps per epoch: a minimum of 8 steps makes the 1 epoch asked for 2.
      distill: { epochs: 1, minSteps: 8, batchSize: 32 }, prune: { fineTuneEpochs: 1, targetParamsReduction: 0.4 }, quantize: { calibrationSize: 64 },
      // Budgets every candidate meets by construction (no drop can exceed 1, no agreement is below 0), so the
      // gate's and the search's outcomes are known answers here; gate.test.ts and search.test.ts hold the
      // known answers of failing and borderline cases.
      budgets: { auc: 1, sensitivity: 1, ece: 1, agreement: 0 },
    };
    const full = await runCompressJob({ spec, outDir: join(dir, 'full'), ...fast });
    const r = full.report;
    const training = r.training as { epochs: number; history: unknown[] };
    expect([training.epochs, training.history.length]).toEqual([2, 2]);
    expect(r.stages.map((s) => s.name).slice(0, 6)).toEqual(['teacher', 'student', 'student-int8', 'pruned', 'int8', 'teacher-int8']);
    const gate = r.gate as { passed: boolean; checks: { name: string; value: number; ci95: number[]; budget: number; passed: boolean }[] };
    expect(gate.checks.map((c) => c.name)).toEqual(['auc_drop', 'sensitivity_drop[class0]', 'sensitivity_drop[class1]', 'ece_increase', 'agreement']);
    for (const c of gate.checks) {
      expect(Number.isFinite(c.value)).toBe(true);
      expect(c.ci95).toHaveLength(2);
      expect(c.passed, c.name).toBe(true);
    }
    expect(gate.passed).toBe(true);
    expect(r.gate).toMatchObject({ decision: 'point', split: 'test' });
    // The serving target (default x86_64 without VNNI) decides reduce-range; the report says where INT8 was measured.
    const qz = r.quantization as { target: string; reduceRange: boolean; measuredOn: { cpu: string; arch: string; note: string } };
    expect(qz.target).toBe('x86_64');
    expect(qz.reduceRange).toBe(true);
    expect(qz.measuredOn.arch).toBe(process.arch);
    expect(qz.measuredOn.note).toContain('INT8 figures measured on');
    // The search: every explored model is a candidate with validation and test figures; every one passes the
    // gate on validation, so the chosen one is the smallest; the returned model.onnx is it, and the top-level
    // gate is its test gate.
    const search = r.search as { candidates: { name: string; bytes: number; gateVal: { passed: boolean }; constraintsFailed: string[]; val: { auc: number } }[]; chosen: string; reason: string; bestEffort: boolean };
    expect(search.candidates.map((c) => c.name)).toEqual(r.stages.slice(1).map((s) => s.name));
    const chosen = search.candidates.find((c) => c.name === search.chosen)!;
    expect((r.gate as { candidate: string }).candidate).toBe(search.chosen);
    expect(r.stages.find((s) => s.name === search.chosen)!.sha256).toBe(createHash('sha256').update(readFileSync(full.modelPath)).digest('hex'));
    expect(search.candidates.map((c) => c.gateVal.passed)).toEqual([true, true, true, true, true]);
    // The synthetic teacher (a tiny ResNet, 7.6 kB in INT8) is smaller than any MobileNetV2 student (≥ 117 kB):
    // with every candidate passing, the search returns the INT8 teacher.
    expect(search).toMatchObject({ chosen: 'teacher-int8', bestEffort: false });
    expect(search.reason.length).toBeGreaterThan(10);
    expect(readFileSync(join(dir, 'full', 'report.md'), 'utf8')).toContain('## Search (chosen on validation, confirmed on test)');
    // Decision-bias calibration on validation: each student's predicted-class counts moved to the teacher's
    // (as close as the validation logits allow), the offsets centred, and report.md says where they were fitted.
    const dc = (r as { decisionCalibration?: { split: string; students: Record<string, { offsets: number[]; countsBefore: number[]; countsAfter: number[]; teacherCounts: number[] }> } }).decisionCalibration!;
    expect(dc.split).toBe('val');
    expect(Object.keys(dc.students)).toEqual(['student', 'pruned']);
    const miss = (c: number[], t: number[]) => c.reduce((s, x, j) => s + Math.abs(x - t[j]), 0);
    for (const st of Object.values(dc.students)) {
      expect(st.teacherCounts.reduce((a, b) => a + b, 0)).toBe(48);
      expect(miss(st.countsAfter, st.teacherCounts)).toBeLessThanOrEqual(miss(st.countsBefore, st.teacherCounts));
      expect(st.offsets[0] + st.offsets[1]).toBeCloseTo(0, 9);
    }
    expect(readFileSync(join(dir, 'full', 'report.md'), 'utf8')).toContain('the validation gate is measured on the split they were fitted on');
    const sens = r.sensitivity as { rows: unknown[] };
    expect(sens.rows).toHaveLength(7 * 3);
    const pruning = r.pruning as { paramsReduction: number; paramsAfter: number };
    expect(pruning.paramsReduction).toBeGreaterThanOrEqual(0.4);
    const stage = (n: string) => r.stages.find((s) => s.name === n)!;
    expect(stage('pruned').params).toBeLessThan(stage('student').params);
    expect(stage('int8').bytes).toBeLessThan(stage('pruned').bytes);
    for (const f of ['model.onnx', 'model.int8.onnx', 'student.onnx', 'student.int8.onnx', 'teacher.int8.onnx', 'pruned.onnx', 'report.md', 'size-vs-auc.svg', 'sensitivity.svg', 'per-class-sensitivity.svg', 'pareto.svg']) {
      expect(existsSync(join(dir, 'full', f)), f).toBe(true);
    }
    expect(readFileSync(join(dir, 'full', 'report.md'), 'utf8')).toMatch(/## Clinical safety gate: \*\*PASSED\*\*\n\nDecided by the point estimates on the test split\./);

    // Kill the same job during the prune stage's fine-tuning, start it again: finished stages are skipped
    // and every figure equals the uninterrupted run's.
    const out = join(dir, 'resumed');
    let events = 0;
    await expect(runCompressJob({
      spec, outDir: out, ...fast,
      onProgress: (p) => { if (p.stage === 'prune') events++; },
      cancelled: () => events > 2,
    })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(existsSync(join(out, 'stages', 'distill', 'stage.json'))).toBe(true);
    expect(existsSync(join(out, 'stages', 'prune', 'stage.json'))).toBe(false);
    const again = await runCompressJob({ spec, outDir: out, ...fast });
    expect(again.cachedStages).toEqual(['distill', 'sensitivity']);
    const figures = (rep: typeof r) => rep.stages.map((s) => [s.name, s.bytes, s.params, s.test.auc, s.test.accuracy, s.test.ece, s.test.agreement]);
    expect(figures(again.report)).toEqual(figures(r));
    // Reproducible: the resumed job trained its own student from scratch (another folder, same seed), and every
    // model is byte-identical — student.onnx, pruned.onnx, model.int8.onnx.
    expect(again.report.stages.map((s) => s.sha256)).toEqual(r.stages.map((s) => s.sha256));
    expect((again.report.gate as { checks: { value: number }[] }).checks.map((c) => c.value)).toEqual(gate.checks.map((c) => c.value));
  }, 300_000); // two whole compress jobs (each with its search); ~50 s on an idle 2-core machine

  it('the iterative pruning path: each level prunes the previous level further and is its own candidate; a killed job resumes from the cached levels', async () => {
    const dir = tempDir();
    const { modelPath, dataPath } = await syntheticTeacherAndData(dir, { channels: 1, classes: 2, size: 16, counts: [64, 32, 32] });
    const spec: CompressSpecInput = {
      teacher: modelPath, dataset: dataPath, preset: 'quick', seed: 2,
      distill: { epochs: 1, batchSize: 32 }, prune: { schedule: [0.2, 0.4], fineTuneEpochs: 1 }, quantize: { calibrationSize: 32 },
      // Budgets every candidate meets (see the first test), so the path walks every level.
      budgets: { auc: 1, sensitivity: 1, ece: 1, agreement: 0 }, search: { mixedPrecision: false },
    };
    // Kill the job while it fine-tunes the second level; the progress events name the candidate being trained.
    const out = join(dir, 'job');
    const steps = new Set<string>();
    await expect(runCompressJob({
      spec, outDir: out, ...fast,
      onProgress: (p) => { if (p.stage === 'prune') steps.add(p.step); },
      cancelled: () => steps.has('fine-tune pruned-40'),
    })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect([...steps]).toEqual(['fine-tune pruned-20', 'fine-tune pruned-40']);
    expect(existsSync(join(out, 'stages', 'prune-20', 'stage.json'))).toBe(true);
    expect(existsSync(join(out, 'stages', 'prune-40', 'stage.json'))).toBe(false);
    const r = await runCompressJob({ spec, outDir: out, ...fast });
    expect(r.cachedStages).toEqual(['distill', 'sensitivity', 'prune-20']);
    const search = r.report.search as unknown as { candidates: { name: string; kind: string; gateVal: { passed: boolean } }[] };
    expect(search.candidates.map((c) => [c.name, c.kind])).toEqual([
      ['student', 'student'], ['student-int8', 'int8'], ['pruned-20', 'pruned'], ['pruned-40', 'pruned'], ['int8', 'int8'], ['teacher-int8', 'teacher-int8'],
    ]);
    const pruning = r.report.pruning as { paramsBefore: number; paramsAfter: number; schedule: number[]; quantizedLevel: string; stoppedAt: string | null; levels: { name: string; level: number; params: number; paramsReduction: number; cached: boolean; gateVal: { passed: boolean } }[] };
    expect(pruning.schedule).toEqual([0.2, 0.4]);
    expect(pruning.levels.map((l) => [l.name, l.level, l.cached, l.gateVal.passed])).toEqual([['pruned-20', 0.2, true, true], ['pruned-40', 0.4, false, true]]);
    // Parameter counts follow the schedule: each level removes at least its fraction of the distilled student's
    // parameters (trainable counts, exact), and each is thinner than the level it was pruned from.
    for (const l of pruning.levels) {
      expect(l.params).toBeLessThanOrEqual((1 - l.level) * pruning.paramsBefore);
      expect(l.paramsReduction).toBeCloseTo(1 - l.params / pruning.paramsBefore, 12);
    }
    expect(pruning.levels[1].params).toBeLessThan(pruning.levels[0].params);
    const onnxParams = (n: string) => r.report.stages.find((s) => s.name === n)!.params;
    expect(onnxParams('pruned-40')).toBeLessThan(onnxParams('pruned-20'));
    expect(onnxParams('pruned-20')).toBeLessThan(onnxParams('student'));
    // Every level passed, so the INT8 candidate comes from the last one, and pruned.onnx is that level's model.
    expect([pruning.quantizedLevel, pruning.stoppedAt, pruning.paramsAfter]).toEqual(['pruned-40', null, pruning.levels[1].params]);
    expect(readFileSync(join(out, 'pruned.onnx'))).toEqual(readFileSync(join(out, 'pruned-40.onnx')));
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('| pruned-40 |');
  }, 300_000);

  it('when no student passes on validation the search trains a wider one (float and INT8 candidates); a spent time budget skips it and says so', async () => {
    const dir = tempDir();
    const { modelPath, dataPath } = await syntheticTeacherAndData(dir, { channels: 1, classes: 2, size: 16, counts: [96, 48, 48] });
    // Budgets no 1-epoch student meets (every check at its strictest), so the capacity step runs.
    const spec: CompressSpecInput = {
      teacher: modelPath, dataset: dataPath, preset: 'quick', seed: 1, budgets: { auc: 0, sensitivity: 0, ece: 0, agreement: 1 },
      distill: { epochs: 1, batchSize: 32 }, prune: { fineTuneEpochs: 1, schedule: [0.25, 0.4] }, quantize: { calibrationSize: 32 },
      search: { mixedPrecision: false, widths: [1.5] },
    };
    const r = (await runCompressJob({ spec, outDir: join(dir, 'wide'), ...fast })).report;
    const search = r.search as unknown as { candidates: { name: string; kind: string; width: number | null; gateVal: { passed: boolean } }[]; wider: Record<string, { width: number; params: number }>; skipped: string[] };
    const firstStudents = search.candidates.filter((c) => ['student', 'student-int8', 'pruned-25', 'int8'].includes(c.name));
    expect(firstStudents).toHaveLength(4);
    expect(firstStudents.some((c) => c.gateVal.passed)).toBe(false);
    // The pruning path stopped at its first level, which failed the validation gate: reported, the next not trained.
    const pruning = r.pruning as { stoppedAt: string; quantizedLevel: string; levels: { name: string; gateVal: { passed: boolean; failed: string[] } }[] };
    expect([pruning.stoppedAt, pruning.quantizedLevel, pruning.levels.map((l) => l.name)]).toEqual(['pruned-25', 'pruned-25', ['pruned-25']]);
    expect(pruning.levels[0].gateVal.failed.length).toBeGreaterThan(0);
    expect(search.candidates.map((c) => c.name)).not.toContain('pruned-40');
    expect(existsSync(join(dir, 'wide', 'stages', 'prune-40'))).toBe(false);
    expect(search.candidates.filter((c) => c.width === 1.5).map((c) => [c.name, c.kind])).toEqual([['student-w1.5', 'student'], ['student-w1.5-int8', 'int8']]);
    const params = (n: string) => r.stages.find((s) => s.name === n)!.params;
    expect(search.wider['student-w1.5'].width).toBe(1.5);
    expect(params('student-w1.5')).toBeGreaterThan(params('student'));
    expect(existsSync(join(dir, 'wide', 'student-w1.5.int8.onnx'))).toBe(true);
    // The same job with its time budget already spent when the capacity step comes: nothing trained, reported.
    let t = 0;
    const late = (await runCompressJob({ spec: { ...spec, timeBudgetMinutes: 1 }, outDir: join(dir, 'late'), ...fast, now: () => (t += 120_000) })).report;
    const lateSearch = late.search as unknown as { candidates: { name: string }[]; skipped: string[] };
    expect(lateSearch.candidates.map((c) => c.name)).not.toContain('student-w1.5');
    expect(lateSearch.skipped).toEqual(['student-w1.5: time budget of 1 min spent']);
  }, 300_000);

  it('refuses bad specs before any work: budgets outside [0, 1], unknown preset, unreachable pruning target', async () => {
    const dir = tempDir();
    const { modelPath, dataPath } = await syntheticTeacherAndData(dir, { channels: 1, classes: 2, size: 16, counts: [16, 8, 8] });
    const base = { teacher: modelPath, dataset: dataPath };
    const out = join(dir, 'out');
    await expect(runCompressJob({ spec: { ...base, budgets: { ece: 2 } }, outDir: out })).rejects.toThrowError(/budgets\.ece must be in \[0, 1\]/);
    await expect(runCompressJob({ spec: { ...base, preset: 'turbo' as 'quick' }, outDir: out })).rejects.toThrowError(/preset must be 'quick' or 'standard'/);
    await expect(runCompressJob({ spec: { ...base, prune: { targetParamsReduction: 0.9 } }, outDir: out })).rejects.toThrowError(/would leave blocks with no channels.*at most 0\.\d+/);
    expect(existsSync(out)).toBe(false); // nothing written
  });
});
