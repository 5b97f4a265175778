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

/**
 * The reference recipe's schedule (shared/fixtures/PROVENANCE.md: 10 epochs at batch 64), with at least 700 optimizer
 * steps on a small train split: `medslim distill`'s default (cached teacher logits, no function matching).
 */
export const REFERENCE_SCHEDULE = { epochs: 10, minSteps: 700 } as const;

/** Distillation on the train images as they are, with cached teacher logits (function matching off). */
const NO_FUNCTION_MATCHING = { onlineTeacher: false, maxShift: 0, mixup: 0, mixupFraction: 1, brightness: 0, contrast: 0 };
/**
 * Patient, consistent function matching (Beyer et al. 2022, "Knowledge distillation: A good teacher is patient and
 * consistent"): the teacher scores, online, exactly the view the student sees — shifted by up to 2 px, brightness and
 * contrast jittered by ±20 % — over a long schedule (the standard preset's 40 epochs). The student then learns the
 * teacher's function around the train images, not only on them: on PneumoniaMNIST's shifted test split (where the
 * teacher itself calls many normal images pneumonia) the width-1 student's calibrated test agreement rose from
 * 93.43 ± 0.42 % (10 epochs, cached logits, 3 seeds) to 95.83 % (seed 0; README "Patient function matching").
 */
const PATIENT_FUNCTION_MATCHING = { onlineTeacher: true, maxShift: 2, mixup: 0, mixupFraction: 1, brightness: 0.2, contrast: 0.2 };
/** Hinton's KL soft term on the raw weights (no weight average). */
const KL_RAW_WEIGHTS = { softLoss: 'kl' as const, ema: 0 };

/**
 * Presets. `standard` is the reference recipe's loss and optimizer (KD, Adam 1e-3 cosine, T = 4, α = 0.1) with
 * patient function matching (PATIENT_FUNCTION_MATCHING: 40 epochs, the online teacher scoring each shifted and
 * jittered view), then the iterative pruning path with 3 epochs of KD fine-tuning at 5e-4 per level (the same
 * views) — with at least 700 distillation and 200 fine-tuning optimizer steps, so a small train split trains at
 * least as long as 10 epochs of PneumoniaMNIST's 4,708 images do (74 steps per epoch at batch 64; BreastMNIST's 546
 * images make 9 steps, and 10 epochs of them left a student that never predicted malignant). Setting `epochs`/`fineTuneEpochs` in a spec trains exactly that many unless the
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
    distill: { width: 1, epochs: 40, minSteps: REFERENCE_SCHEDULE.minSteps, temperature: 4, alpha: 0.1, lr: 1e-3, batchSize: 64, teacherOnFlips: false, temperatureScaling: true, decisionCalibration: true, ...PATIENT_FUNCTION_MATCHING, ...KL_RAW_WEIGHTS },
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
