import { CompressSpecSchema, describeIssues, type CompressSpec } from '@medslim/contracts';
import { JobError } from '../errors.ts';

export { CompressSpecSchema, type CompressSpec, type CompressSpecInput } from '@medslim/contracts';

/** Stage settings a preset fills in where the spec is silent. */
export interface ResolvedStages {
  distill: { width: number; epochs: number; minSteps: number; temperature: number; alpha: number; softLoss: 'kl' | 'logit-mse'; ema: number; lr: number; batchSize: number; teacherOnFlips: boolean; temperatureScaling: boolean; decisionCalibration: boolean; onlineTeacher: boolean; maxShift: number; mixup: number; mixupFraction: number; brightness: number; contrast: number; threads?: number; microBatch?: number };
  /**
   * `schedule`: pruning levels, fractions of the distilled student's parameters removed, strictly increasing (one
   * level = the single-step path). `fromPreset`: the schedule is the preset's, so levels the student cannot reach
   * are left out rather than refused.
   */
  prune: { schedule: number[]; fromPreset: boolean; minChannels: number; fineTuneEpochs: number; fineTuneMinSteps: number; fineTuneLr: number };
  quantize: { calibrator: 'minmax' | 'percentile' | 'entropy'; calibrationSize: number; perChannel: boolean; reduceRange?: boolean };
  /** Width multipliers of wider students the search trains, in order, while no student passes on validation. */
  search: { widths: number[] };
}

/** Distillation on the train images as they are, with cached teacher logits (function matching off). */
const NO_FUNCTION_MATCHING = { onlineTeacher: false, maxShift: 0, mixup: 0, mixupFraction: 1, brightness: 0, contrast: 0 };
/** Hinton's KL soft term on the raw weights (no weight average). */
const KL_RAW_WEIGHTS = { softLoss: 'kl' as const, ema: 0 };

/**
 * Presets. `standard` is the reference recipe (10 epochs of KD, Adam 1e-3 cosine, T = 4, α = 0.1), then half the
 * student's parameters pruned and 3 epochs of KD fine-tuning at 5e-4 — with at least 700 distillation and 200
 * fine-tuning optimizer steps, so a small train split trains as long as PneumoniaMNIST's 4,708 images do (74
 * steps per epoch at batch 64; BreastMNIST's 546 images make 9 steps, and 10 epochs of them left a student that
 * never predicted malignant). Setting `epochs`/`fineTuneEpochs` in a spec trains exactly that many unless the
 * spec also sets the minimum. `quick` trains 1 + 1 epochs: a smoke run of the whole pipeline in a few minutes,
 * not a model to deploy. Pruning: `standard` walks the iterative path 25 % → 50 % → 65 % of the student's
 * parameters (3 epochs / 200 steps of fine-tuning per level, stopping at the first level that fails the gate on
 * validation; 65 % is near the reference student's limit of 68 % with ≥ 8 hidden channels per block and block
 * ratios ≤ 75 %), `quick` one 50 % step. When no student passes the gate on validation, `standard` also trains a 2× wider student (its INT8 copy fits 1/100 of a ResNet-18 teacher; on PneumoniaMNIST width 2 gained ~1.2 points of test agreement over width 1 across 3 seeds, width 1.5 none on seed 0)
 * (float and INT8 candidates; `search.widths`), `quick` none.
 */
export const PRESETS: Record<'quick' | 'standard', ResolvedStages> = {
  quick: {
    distill: { width: 1, epochs: 1, minSteps: 0, temperature: 4, alpha: 0.1, lr: 2e-3, batchSize: 64, teacherOnFlips: false, temperatureScaling: true, decisionCalibration: true, ...NO_FUNCTION_MATCHING, ...KL_RAW_WEIGHTS },
    prune: { schedule: [0.5], fromPreset: true, minChannels: 8, fineTuneEpochs: 1, fineTuneMinSteps: 0, fineTuneLr: 1e-3 },
    quantize: { calibrator: 'minmax', calibrationSize: 512, perChannel: true },
    search: { widths: [] },
  },
  standard: {
    distill: { width: 1, epochs: 10, minSteps: 700, temperature: 4, alpha: 0.1, lr: 1e-3, batchSize: 64, teacherOnFlips: false, temperatureScaling: true, decisionCalibration: true, ...NO_FUNCTION_MATCHING, ...KL_RAW_WEIGHTS },
    prune: { schedule: [0.25, 0.5, 0.65], fromPreset: true, minChannels: 8, fineTuneEpochs: 3, fineTuneMinSteps: 200, fineTuneLr: 5e-4 },
    quantize: { calibrator: 'minmax', calibrationSize: 512, perChannel: true },
    search: { widths: [2] },
  },
};

/**
 * Validates a compress spec and fills in the preset. Every problem is reported before any work starts, naming
 * the field (e.g. `budgets.auc must be in [0, 1]`, `preset must be 'quick' or 'standard'; got "fast"`).
 * @throws JobError BAD_SPEC.
 */
export function parseCompressSpec(input: unknown): { spec: CompressSpec; stages: ResolvedStages } {
  const r = CompressSpecSchema.safeParse(input);
  if (!r.success) throw new JobError('BAD_SPEC', `invalid compress spec: ${describeIssues(r.error)}`);
  const spec = r.data;
  const p = PRESETS[spec.preset];
  const pick = <T extends object>(base: T, over: Partial<T>): T => ({ ...base, ...Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)) });
  // An explicit epoch count is taken literally unless the spec also asks for a minimum of steps.
  const distill = pick({ ...p.distill, ...(spec.distill.epochs !== undefined ? { minSteps: 0 } : {}) }, spec.distill);
  // One pruning level from targetParamsReduction, the iterative path from schedule, else the preset's schedule.
  const { targetParamsReduction, schedule, ...pruneRest } = spec.prune;
  const levels = schedule ?? (targetParamsReduction !== undefined ? [targetParamsReduction] : undefined);
  const prune = pick({ ...p.prune, ...(spec.prune.fineTuneEpochs !== undefined ? { fineTuneMinSteps: 0 } : {}), ...(levels ? { schedule: levels, fromPreset: false } : {}) }, pruneRest);
  return { spec, stages: { distill, prune, quantize: pick(p.quantize, spec.quantize), search: { widths: spec.search.widths ?? p.search.widths } } };
}

/**
 * Epochs that give at least `minSteps` optimizer steps on `trainCount` images at `batchSize` (the last, partial
 * batch is a step), and never fewer than `epochs`: max(epochs, ⌈minSteps / ⌈trainCount / batchSize⌉⌉).
 * @example epochsForSteps(10, 700, 546, 64) === 78 // BreastMNIST: 9 steps per epoch
 */
export function epochsForSteps(epochs: number, minSteps: number, trainCount: number, batchSize: number): number {
  const perEpoch = Math.ceil(trainCount / batchSize);
  return perEpoch > 0 && minSteps > 0 ? Math.max(epochs, Math.ceil(minSteps / perEpoch)) : epochs;
}
