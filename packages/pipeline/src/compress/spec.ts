import { z } from 'zod';
import { JobError } from '../errors.ts';

const unit = (what: string) => z.number({ error: `${what} must be a number in [0, 1]` }).min(0, `${what} must be in [0, 1]`).max(1, `${what} must be in [0, 1]`);

/** Budgets of the clinical safety gate (see gate.ts), each in [0, 1]. */
export const BudgetsSchema = z.strictObject({
  auc: unit('budgets.auc').default(0.01),
  sensitivity: unit('budgets.sensitivity').default(0.03),
  ece: unit('budgets.ece').default(0.02),
  agreement: unit('budgets.agreement').default(0.95),
});

export const DistillOptionsSchema = z.strictObject({
  width: z.number().gt(0).max(4).optional(),
  epochs: z.number().int().min(1).optional(),
  /** Train at least this many optimizer steps (more epochs on a small train split); 0 = exactly `epochs`. */
  minSteps: z.number().int().min(0).optional(),
  temperature: z.number().gt(0).optional(),
  alpha: unit('distill.alpha').optional(),
  lr: z.number().gt(0).optional(),
  batchSize: z.number().int().min(1).max(1024).optional(),
  /** Run the teacher on the horizontally flipped train images too (exact targets for flipped inputs; doubles teacher time). */
  teacherOnFlips: z.boolean().optional(),
});

export const PruneOptionsSchema = z.strictObject({
  /** Fraction of the student's parameters to remove (e.g. 0.5). */
  targetParamsReduction: z.number().min(0).max(0.99).optional(),
  /** Per-block minimum of hidden channels. */
  minChannels: z.number().int().min(1).optional(),
  fineTuneEpochs: z.number().int().min(0).optional(),
  /** Fine-tune at least this many optimizer steps (when fine-tuning at all); 0 = exactly `fineTuneEpochs`. */
  fineTuneMinSteps: z.number().int().min(0).optional(),
  fineTuneLr: z.number().gt(0).optional(),
});

export const QuantizeOptionsSchema = z.strictObject({
  calibrator: z.enum(['minmax', 'percentile', 'entropy']).optional(),
  calibrationSize: z.number().int().min(1).optional(),
  perChannel: z.boolean().optional(),
  reduceRange: z.boolean().optional(),
});

/** A compress job: teacher + dataset → distill → prune → fine-tune → export → quantize → evaluate → gate. */
export const CompressSpecSchema = z.strictObject({
  teacher: z.string().min(1, 'teacher must name an ONNX file'),
  dataset: z.string().min(1, 'dataset must name an .npz file'),
  preset: z.enum(['quick', 'standard'], { error: (i) => `preset must be 'quick' or 'standard'; got ${JSON.stringify(i.input)}` }).default('standard'),
  seed: z.number().int().min(0).default(0),
  distill: DistillOptionsSchema.default({}),
  prune: PruneOptionsSchema.default({}),
  quantize: QuantizeOptionsSchema.default({}),
  budgets: BudgetsSchema.default({ auc: 0.01, sensitivity: 0.03, ece: 0.02, agreement: 0.95 }),
  /** How the gate decides (see gate.ts GateDecision): 'point' estimates, or the whole 95 % 'ci' inside the budget. */
  gate: z.strictObject({
    decision: z.enum(['point', 'ci'], { error: (i) => `gate.decision must be 'point' or 'ci'; got ${JSON.stringify(i.input)}` }).default('point'),
  }).default({ decision: 'point' }),
  /**
   * The CPU the model will be served on (see @medslim/quantize ServingTarget): decides reduce-range unless
   * quantize.reduceRange is set. x86_64 (no VNNI) is the default because its 7-bit weights run correctly on every CPU.
   */
  target: z.enum(['x86_64', 'x86_64-vnni', 'arm64'], { error: (i) => `target must be 'x86_64', 'x86_64-vnni' or 'arm64' (the serving CPU); got ${JSON.stringify(i.input)}` }).default('x86_64'),
});

export type CompressSpecInput = z.input<typeof CompressSpecSchema>;
export type CompressSpec = z.output<typeof CompressSpecSchema>;

/** Stage settings a preset fills in where the spec is silent. */
export interface ResolvedStages {
  distill: { width: number; epochs: number; minSteps: number; temperature: number; alpha: number; lr: number; batchSize: number; teacherOnFlips: boolean };
  prune: { targetParamsReduction: number; minChannels: number; fineTuneEpochs: number; fineTuneMinSteps: number; fineTuneLr: number };
  quantize: { calibrator: 'minmax' | 'percentile' | 'entropy'; calibrationSize: number; perChannel: boolean; reduceRange?: boolean };
}

/**
 * Presets. `standard` is the reference recipe (10 epochs of KD, Adam 1e-3 cosine, T = 4, α = 0.1), then half the
 * student's parameters pruned and 3 epochs of KD fine-tuning at 5e-4 — with at least 700 distillation and 200
 * fine-tuning optimizer steps, so a small train split trains as long as PneumoniaMNIST's 4,708 images do (74
 * steps per epoch at batch 64; BreastMNIST's 546 images make 9 steps, and 10 epochs of them left a student that
 * never predicted malignant). Setting `epochs`/`fineTuneEpochs` in a spec trains exactly that many unless the
 * spec also sets the minimum. `quick` trains 1 + 1 epochs: a smoke run of the whole pipeline in a few minutes,
 * not a model to deploy.
 */
export const PRESETS: Record<'quick' | 'standard', ResolvedStages> = {
  quick: {
    distill: { width: 1, epochs: 1, minSteps: 0, temperature: 4, alpha: 0.1, lr: 2e-3, batchSize: 64, teacherOnFlips: false },
    prune: { targetParamsReduction: 0.5, minChannels: 8, fineTuneEpochs: 1, fineTuneMinSteps: 0, fineTuneLr: 1e-3 },
    quantize: { calibrator: 'minmax', calibrationSize: 512, perChannel: true },
  },
  standard: {
    distill: { width: 1, epochs: 10, minSteps: 700, temperature: 4, alpha: 0.1, lr: 1e-3, batchSize: 64, teacherOnFlips: false },
    prune: { targetParamsReduction: 0.5, minChannels: 8, fineTuneEpochs: 3, fineTuneMinSteps: 200, fineTuneLr: 5e-4 },
    quantize: { calibrator: 'minmax', calibrationSize: 512, perChannel: true },
  },
};

/**
 * Validates a compress spec and fills in the preset. Every problem is reported before any work starts, naming
 * the field (e.g. `budgets.auc must be in [0, 1]`, `preset must be 'quick' or 'standard'; got "fast"`).
 * @throws JobError BAD_SPEC.
 */
export function parseCompressSpec(input: unknown): { spec: CompressSpec; stages: ResolvedStages } {
  const r = CompressSpecSchema.safeParse(input);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`).join('; ');
    throw new JobError('BAD_SPEC', `invalid compress spec: ${msg}`);
  }
  const spec = r.data;
  const p = PRESETS[spec.preset];
  const pick = <T extends object>(base: T, over: Partial<T>): T => ({ ...base, ...Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)) });
  // An explicit epoch count is taken literally unless the spec also asks for a minimum of steps.
  const distill = pick({ ...p.distill, ...(spec.distill.epochs !== undefined ? { minSteps: 0 } : {}) }, spec.distill);
  const prune = pick({ ...p.prune, ...(spec.prune.fineTuneEpochs !== undefined ? { fineTuneMinSteps: 0 } : {}) }, spec.prune);
  return { spec, stages: { distill, prune, quantize: pick(p.quantize, spec.quantize) } };
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
