import { describe, expect, it } from 'vitest';
import { epochsForSteps, parseCompressSpec } from './spec.ts';
import { contentHash } from './stage-cache.ts';

describe('compress spec', () => {
  it('fills in the preset and keeps explicit options', () => {
    const { spec, stages } = parseCompressSpec({ teacher: 't.onnx', dataset: 'd.npz', preset: 'quick', prune: { targetParamsReduction: 0.4 } });
    expect(spec.budgets).toEqual({ auc: 0.01, sensitivity: 0.03, ece: 0.02, agreement: 0.95 });
    expect(stages.distill.epochs).toBe(1);
    expect(stages.prune.schedule).toEqual([0.4]); // one level: the single-step path
    expect(parseCompressSpec({ teacher: 't', dataset: 'd' }).stages.distill.epochs).toBe(40); // standard by default: patient function matching
  });

  it('pruning: the preset\'s iterative schedule, one level from targetParamsReduction, an explicit schedule; bad schedules named', () => {
    const std = parseCompressSpec({ teacher: 't', dataset: 'd' }).stages.prune;
    expect([std.schedule, std.fromPreset]).toEqual([[0.25, 0.5, 0.65], true]);
    expect(parseCompressSpec({ teacher: 't', dataset: 'd', preset: 'quick' }).stages.prune.schedule).toEqual([0.5]);
    const own = parseCompressSpec({ teacher: 't', dataset: 'd', prune: { schedule: [0.2, 0.4] } }).stages.prune;
    expect([own.schedule, own.fromPreset]).toEqual([[0.2, 0.4], false]);
    const bad = (prune: object) => () => parseCompressSpec({ teacher: 't', dataset: 'd', prune });
    expect(bad({ schedule: [0.5, 0.25] })).toThrow(/prune\.schedule: prune\.schedule must be strictly increasing/);
    expect(bad({ schedule: [0.5, 0.5] })).toThrow(/strictly increasing/);
    expect(bad({ schedule: [] })).toThrow(/prune\.schedule: prune\.schedule needs at least one level/);
    expect(bad({ schedule: [0, 0.5] })).toThrow(/prune\.schedule\.0: prune\.schedule entries must be > 0/);
    expect(bad({ schedule: [0.5, 1] })).toThrow(/prune\.schedule\.1: prune\.schedule entries must be ≤ 0\.99/);
    expect(bad({ schedule: [0.25, 0.5], targetParamsReduction: 0.5 })).toThrow(/prune\.schedule: give prune\.schedule .* or prune\.targetParamsReduction .*, not both/);
  });

  it('the serving target and the gate decision are part of the spec, with safe defaults and named errors', () => {
    const d = parseCompressSpec({ teacher: 't', dataset: 'd' }).spec;
    expect([d.target, d.gate.decision]).toEqual(['x86_64', 'point']);
    const a = parseCompressSpec({ teacher: 't', dataset: 'd', target: 'arm64', gate: { decision: 'ci' } }).spec;
    expect([a.target, a.gate.decision]).toEqual(['arm64', 'ci']);
    expect(() => parseCompressSpec({ teacher: 't', dataset: 'd', target: 'x64' })).toThrow(/target: target must be 'x86_64', 'x86_64-vnni' or 'arm64' \(the serving CPU\); got "x64"/);
    expect(() => parseCompressSpec({ teacher: 't', dataset: 'd', gate: { decision: 'mean' } })).toThrow(/gate.decision: gate.decision must be 'point' or 'ci'/);
  });

  it('small train splits train at least the preset\'s optimizer steps; explicit epochs are taken literally', () => {
    // PneumoniaMNIST: 4,708 images = 74 steps per epoch at batch 64 → the preset's 10 epochs (740 ≥ 700 steps).
    expect(epochsForSteps(10, 700, 4708, 64)).toBe(10);
    // BreastMNIST: 546 images = 9 steps per epoch (the last one partial) → ⌈700 / 9⌉ = 78 epochs; fine-tuning ⌈200 / 9⌉ = 23.
    expect(epochsForSteps(10, 700, 546, 64)).toBe(78);
    expect(epochsForSteps(3, 200, 546, 64)).toBe(23);
    expect(epochsForSteps(10, 0, 546, 64)).toBe(10);
    expect(epochsForSteps(10, 700, 0, 64)).toBe(10);
    const standard = parseCompressSpec({ teacher: 't', dataset: 'd' }).stages;
    expect([standard.distill.minSteps, standard.prune.fineTuneMinSteps]).toEqual([700, 200]);
    const explicit = parseCompressSpec({ teacher: 't', dataset: 'd', distill: { epochs: 5 }, prune: { fineTuneEpochs: 2 } }).stages;
    expect([explicit.distill.epochs, explicit.distill.minSteps, explicit.prune.fineTuneEpochs, explicit.prune.fineTuneMinSteps]).toEqual([5, 0, 2, 0]);
    const both = parseCompressSpec({ teacher: 't', dataset: 'd', distill: { epochs: 5, minSteps: 100 } }).stages;
    expect([both.distill.epochs, both.distill.minSteps]).toEqual([5, 100]);
    expect(parseCompressSpec({ teacher: 't', dataset: 'd', preset: 'quick' }).stages.distill.minSteps).toBe(0);
  });

  it('function-matching options (online teacher, shifts, mixup, brightness/contrast) are spec fields with preset defaults and named range errors', () => {
    const quick = parseCompressSpec({ teacher: 't', dataset: 'd', preset: 'quick' }).stages.distill;
    expect([quick.onlineTeacher, quick.maxShift, quick.mixup, quick.mixupFraction, quick.brightness, quick.contrast]).toEqual([false, 0, 0, 1, 0, 0]);
    const std = parseCompressSpec({ teacher: 't', dataset: 'd' }).stages.distill;
    expect([std.onlineTeacher, std.maxShift, std.mixup, std.mixupFraction, std.brightness, std.contrast]).toEqual([true, 2, 0, 1, 0.2, 0.2]);
    const off = parseCompressSpec({ teacher: 't', dataset: 'd', distill: { onlineTeacher: false, maxShift: 0, brightness: 0, contrast: 0 } }).stages.distill;
    expect([off.onlineTeacher, off.maxShift, off.brightness, off.contrast]).toEqual([false, 0, 0, 0]);
    const set = parseCompressSpec({ teacher: 't', dataset: 'd', distill: { onlineTeacher: true, maxShift: 2, mixup: 0.4, mixupFraction: 0.5, brightness: 0.1, contrast: 0.2 } }).stages.distill;
    expect([set.onlineTeacher, set.maxShift, set.mixup, set.mixupFraction, set.brightness, set.contrast]).toEqual([true, 2, 0.4, 0.5, 0.1, 0.2]);
    expect(() => parseCompressSpec({ teacher: 't', dataset: 'd', distill: { mixupFraction: 1.5 } })).toThrow(/distill.mixupFraction must be in \[0, 1\]/);
    expect(() => parseCompressSpec({ teacher: 't', dataset: 'd', distill: { brightness: 1 } })).toThrow(/distill.brightness/);
    expect(() => parseCompressSpec({ teacher: 't', dataset: 'd', distill: { maxShift: 9 } })).toThrow(/distill.maxShift/);
  });

  it("softLoss and ema are spec fields: presets keep Hinton's KL on the raw weights; bad values name the field", () => {
    for (const preset of ['quick', 'standard'] as const) {
      const d = parseCompressSpec({ teacher: 't', dataset: 'd', preset }).stages.distill;
      expect([d.softLoss, d.ema]).toEqual(['kl', 0]);
    }
    const set = parseCompressSpec({ teacher: 't', dataset: 'd', distill: { softLoss: 'logit-mse', ema: 0.995 } }).stages.distill;
    expect([set.softLoss, set.ema]).toEqual(['logit-mse', 0.995]);
    expect(() => parseCompressSpec({ teacher: 't', dataset: 'd', distill: { ema: 1 } })).toThrow(/distill.ema/);
    expect(() => parseCompressSpec({ teacher: 't', dataset: 'd', distill: { softLoss: 'mse' } })).toThrow(/distill.softLoss/);
  });

  it('refuses budgets outside [0, 1], an unknown preset and unknown fields, naming each', () => {
    expect(() => parseCompressSpec({ teacher: 't', dataset: 'd', budgets: { auc: 1.5 } })).toThrowError(/budgets\.auc: budgets\.auc must be in \[0, 1\]/);
    expect(() => parseCompressSpec({ teacher: 't', dataset: 'd', budgets: { agreement: -0.1 } })).toThrowError(/budgets\.agreement/);
    expect(() => parseCompressSpec({ teacher: 't', dataset: 'd', preset: 'fast' })).toThrowError(/preset: preset must be 'quick' or 'standard'; got "fast"/);
    expect(() => parseCompressSpec({ teacher: 't', dataset: 'd', distill: { epoch: 3 } })).toThrowError(/distill.*epoch/);
    expect(() => parseCompressSpec({ dataset: 'd' })).toThrowError(/teacher/);
    try { parseCompressSpec({ teacher: 't', dataset: 'd', preset: 'x' }); } catch (e) { expect((e as { code: string }).code).toBe('BAD_SPEC'); }
  });

  it('content hashes ignore key order and change with any value', () => {
    expect(contentHash({ a: 1, b: { c: 2, d: 3 } })).toBe(contentHash({ b: { d: 3, c: 2 }, a: 1 }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
  });
});
