/**
 * Job specs and options: what the API, the worker, the pipeline and the CLI accept for each job type, with one
 * set of bounds. A field left out takes the default its comment names (the compress preset's, or the
 * quantize job's); the code that applies it is named there.
 */
import { z } from 'zod';
import { ExplicitContractSchema } from './model-interface.ts';
import { DEFAULT_GATE_BUDGETS, GateBudgetsSchema, GateDecisionSchema } from './reports.ts';

const unit = (what: string) => z.number({ error: `${what} must be a number in [0, 1]` }).min(0, `${what} must be in [0, 1]`).max(1, `${what} must be in [0, 1]`);
const CALIBRATORS = ['minmax', 'percentile', 'entropy'] as const;

/** Latency measurement of each evaluated stage (`@medslim/pipeline` evaluateStage). */
const latencyFields = {
  /** Batch-1 `session.run` calls timed per stage. Default 100. */
  latencyIterations: z.number().int().min(1).max(10_000).optional(),
  /** Timed batches for throughput per stage. Default 10. */
  throughputIterations: z.number().int().min(1).max(1_000).optional(),
};

/**
 * The CPU the model will be served on (`@medslim/quantize` ServingTarget): decides reduce-range unless
 * `reduceRange` is set. x86_64 (no VNNI) is the default because its 7-bit weights run correctly on every CPU.
 */
export const ServingTargetSchema = z.enum(['x86_64', 'x86_64-vnni', 'arm64'], { error: (i) => `target must be 'x86_64', 'x86_64-vnni' or 'arm64' (the serving CPU); got ${JSON.stringify(i.input)}` });
export type ServingTarget = z.infer<typeof ServingTargetSchema>;

/**
 * Static INT8 quantization settings (ONNX Runtime `quantize_static` semantics; defaults resolved by
 * `@medslim/quantize` resolveConfig and the quantize job).
 */
export const QuantizeSettingsSchema = z.strictObject({
  /** Activation range estimator. Default minmax (ORT's). */
  calibrator: z.enum(CALIBRATORS, { error: (i) => `calibrator must be one of ${CALIBRATORS.join(', ')}; got ${JSON.stringify(i.input)}` }).optional(),
  /** Percentile calibrator: keep this percentile of values, in (50, 100]. Default 99.999. */
  percentile: z.number().gt(50).lte(100).optional(),
  /** Train images used for calibration, drawn by a seeded sample. Default 512. */
  calibrationSize: z.number().int().min(1).max(100_000).optional(),
  /** One weight scale per output channel (false: per tensor). Default true. */
  perChannel: z.boolean().optional(),
  /** 7-bit weights for x86 CPUs without VNNI. Default: what `target` needs. */
  reduceRange: z.boolean().optional(),
  /** Activation type, asymmetric. Default uint8 (ORT's QUInt8). */
  activationType: z.enum(['uint8', 'int8']).optional(),
  /** Node names or op types kept in float (e.g. the final Gemm). Default none. */
  exclude: z.array(z.string().min(1).max(200)).max(1000).optional(),
});
export type QuantizeSettings = z.infer<typeof QuantizeSettingsSchema>;

/** Options of a quantize job (`runQuantizeJob`): the settings plus the sample seed and how latency is measured. */
export const QuantizeJobOptionsSchema = QuantizeSettingsSchema.extend({
  /** The serving CPU, which decides reduce-range unless it is set. Default x86_64. */
  target: ServingTargetSchema.optional(),
  /** Seed of the calibration sample and the bootstrap CIs. Default 0. */
  seed: z.number().int().min(0).optional(),
  /** intraOpNumThreads of the latency measurement. Default 1 (one vCPU, as a small serverless function has). */
  intraOpNumThreads: z.number().int().min(1).max(64).optional(),
  /** How to read the teacher where its metadata and graph do not say (the CLI's --layout/--scale/--mean/--std/--labels/--output). */
  contract: ExplicitContractSchema.optional(),
  ...latencyFields,
});
export type QuantizeJobOptions = z.infer<typeof QuantizeJobOptionsSchema>;

/** Knowledge distillation of the student (`@medslim/distill` trainStudent); defaults are the compress preset's. */
export const DistillOptionsSchema = z.strictObject({
  /** Width multiplier of the reference MobileNetV2-family student, in (0, 4]. Default 1. */
  width: z.number().gt(0).max(4).optional(),
  /** Epochs of distillation. Default 10 (standard) or 1 (quick). */
  epochs: z.number().int().min(1).max(200).optional(),
  /** Train at least this many optimizer steps (more epochs on a small train split); 0 = exactly `epochs`. Default 700 (standard), 0 (quick); 0 when `epochs` is set. */
  minSteps: z.number().int().min(0).max(100_000).optional(),
  /** Softmax temperature T of the KD loss (Hinton et al. 2015). Default 4. */
  temperature: z.number().gt(0).max(100).optional(),
  /** Weight of the hard-label loss; 1 − alpha goes to the teacher's soft targets. Default 0.1. */
  alpha: unit('distill.alpha').optional(),
  /**
   * The soft term of the KD loss: 'kl' (Hinton et al. 2015) or 'logit-mse' (logit matching, Kim et al. 2021; T
   * unused). Default 'kl' (on PneumoniaMNIST seed 0 logit-mse did not raise test agreement and failed validation).
   */
  softLoss: z.enum(['kl', 'logit-mse']).optional(),
  /** Exponential moving average of the student's weights, decay per optimizer step in [0, 1) (0 = off); evaluated, selected and exported instead of the raw weights. Default 0. */
  ema: z.number().min(0).lt(1).optional(),
  /** Adam learning rate (cosine schedule). Default 1e-3 (standard), 2e-3 (quick). */
  lr: z.number().gt(0).max(1).optional(),
  /** Images per optimizer step. Default 64. */
  batchSize: z.number().int().min(1).max(1024).optional(),
  /** Data-parallel training threads on the wasm backend (packages/distill/src/parallel). Default: every core; a result is reproducible for a given count. */
  threads: z.number().int().min(1).max(256).optional(),
  /** Images per forward/backward pass on wasm, gradients accumulated up to batchSize. Default: what the wasm heap holds at the resolution (2 at 224×224). */
  microBatch: z.number().int().min(1).max(1024).optional(),
  /** Run the teacher on the horizontally flipped train images too (exact targets for flipped inputs; doubles teacher time). Default false. */
  teacherOnFlips: z.boolean().optional(),
  /**
   * Function matching (Beyer et al. 2022): run the teacher online, in its own thread, on exactly the augmented
   * batches the student sees, instead of caching its logits on the train images. Default false; implied by mixup > 0.
   */
  onlineTeacher: z.boolean().optional(),
  /** Random shifts of up to this many pixels along each axis (black fill), in [0, 8]. Default 0. */
  maxShift: z.number().int().min(0).max(8).optional(),
  /** Mixup of images: Beta(mixup, mixup) concentration of the mixing weight, 0 = off; the teacher scores each mixed image (online teacher). Default 0. */
  mixup: z.number().min(0).max(100).optional(),
  /** Fraction of the images mixed when mixup > 0, in [0, 1]. Default 1. */
  mixupFraction: unit('distill.mixupFraction').optional(),
  /** Brightness jitter: raw pixels × a gain from U(1 − b, 1 + b), b in [0, 1). Default 0. */
  brightness: z.number().min(0).lt(1).optional(),
  /** Contrast jitter: each image scaled around its mean by a factor from U(1 − c, 1 + c), c in [0, 1). Default 0. */
  contrast: z.number().min(0).lt(1).optional(),
  /** Fit a softmax temperature on the validation split and fold it into the exported students' last layer (Guo et al. 2017). Default true. */
  temperatureScaling: z.boolean().optional(),
  /** Fit per-class logit offsets on the validation split so the student predicts each class as often as the teacher does there, folded into the last layer's bias (decision-bias calibration, @medslim/eval fitDecisionOffsets). Default true. */
  decisionCalibration: z.boolean().optional(),
});
export type DistillOptions = z.infer<typeof DistillOptionsSchema>;

/** Structured pruning and its KD fine-tuning (`@medslim/prune`); defaults are the compress preset's. */
export const PruneOptionsSchema = z.strictObject({
  /** Fraction of the student's parameters to remove in one step, in [0, 0.99] (one pruning level, candidate `pruned`): the same as `schedule: [x]`. Give this or `schedule`, not both. */
  targetParamsReduction: z.number().min(0).max(0.99).optional(),
  /**
   * The iterative pruning path (like NNCF's adaptive compression level): fractions of the distilled student's
   * parameters removed, strictly increasing, each in (0, 0.99]. Each level prunes further from the previous
   * level's fine-tuned student, is KD fine-tuned, calibrated, exported and gated on validation as its own search
   * candidate (`pruned-25`, `pruned-50`, …); the path stops at the first level whose validation gate fails (that
   * level is still reported) and the INT8 candidate `int8` is made from the last level that passed. One level
   * keeps the single-step names (`pruned`). Default [0.25, 0.5, 0.65] (standard; levels the student cannot reach
   * with ≥ minChannels per block are left out), [0.5] (quick).
   */
  schedule: z
    .array(z.number().gt(0, 'prune.schedule entries must be > 0 (fractions of the student\'s parameters)').max(0.99, 'prune.schedule entries must be ≤ 0.99'))
    .min(1, 'prune.schedule needs at least one level, e.g. [0.25, 0.5]')
    .max(8, 'prune.schedule takes at most 8 levels')
    .refine((a) => a.every((x, i) => i === 0 || x > a[i - 1]), 'prune.schedule must be strictly increasing, e.g. [0.25, 0.5, 0.65]')
    .optional(),
  /** Per-block minimum of hidden channels. Default 8. */
  minChannels: z.number().int().min(1).max(4096).optional(),
  /** Epochs of KD fine-tuning after pruning. Default 3 (standard) or 1 (quick). */
  fineTuneEpochs: z.number().int().min(0).max(100).optional(),
  /** Fine-tune at least this many optimizer steps (when fine-tuning at all); 0 = exactly `fineTuneEpochs`. Default 200 (standard), 0 (quick); 0 when `fineTuneEpochs` is set. */
  fineTuneMinSteps: z.number().int().min(0).max(100_000).optional(),
  /** Fine-tuning learning rate. Default 5e-4 (standard), 1e-3 (quick). */
  fineTuneLr: z.number().gt(0).max(1).optional(),
}).refine((p) => p.schedule === undefined || p.targetParamsReduction === undefined, {
  path: ['schedule'],
  message: 'give prune.schedule (the iterative path) or prune.targetParamsReduction (one level), not both',
});
export type PruneOptions = z.infer<typeof PruneOptionsSchema>;

/** The INT8 stage of a compress job: the quantize settings it exposes. */
export const CompressQuantizeOptionsSchema = QuantizeSettingsSchema.pick({ calibrator: true, calibrationSize: true, perChannel: true, reduceRange: true });

export const COMPRESS_PRESETS = ['quick', 'standard'] as const;
export type CompressPreset = (typeof COMPRESS_PRESETS)[number];

const compressFields = {
  /** `standard` (the reference recipe) or `quick` (a smoke run, not a model to deploy). Default standard. */
  preset: z.enum(COMPRESS_PRESETS, { error: (i) => `preset must be 'quick' or 'standard'; got ${JSON.stringify(i.input)}` }).default('standard'),
  /** Seed of training, sampling and bootstrap. Default 0. */
  seed: z.number().int().min(0).default(0),
  distill: DistillOptionsSchema.default({}),
  prune: PruneOptionsSchema.default({}),
  quantize: CompressQuantizeOptionsSchema.default({}),
  /** Budgets of the clinical safety gate. Default: auc 0.01, sensitivity 0.03, ece 0.02, agreement 0.95. */
  budgets: GateBudgetsSchema.default(() => ({ ...DEFAULT_GATE_BUDGETS })),
  /** How the gate decides: 'point' estimates (default), or the whole 95 % 'ci' inside the budget. */
  gate: z.strictObject({ decision: GateDecisionSchema.default('point') }).default({ decision: 'point' }),
  /** The serving CPU: decides reduce-range unless quantize.reduceRange is set. Default x86_64. */
  target: ServingTargetSchema.default('x86_64'),
  /** Largest model the job may return, bytes (the chosen candidate's ONNX file). Default none. */
  maxBytes: z.number({ error: 'maxBytes must be a number of bytes' }).int('maxBytes must be a whole number of bytes').positive('maxBytes must be > 0').optional(),
  /** Largest batch-1 p50 latency the job may return, ms (onnxruntime-node, one thread, on the worker's CPU). Default none. */
  maxLatencyMs: z.number({ error: 'maxLatencyMs must be a number of milliseconds' }).positive('maxLatencyMs must be > 0').optional(),
  /** Optional search steps (mixed-precision fallback, wider students) are not started once this many minutes have passed; the report lists what was skipped. Default none. */
  timeBudgetMinutes: z.number({ error: 'timeBudgetMinutes must be a number of minutes' }).positive('timeBudgetMinutes must be > 0').optional(),
  /** The search under the gate: mixedPrecision = try INT8 students with their most sensitive layers kept in float (default on); widths = wider students tried when none passes. */
  search: z.strictObject({
    mixedPrecision: z.boolean().default(true),
    /** Wider students to train, in order, while no student-derived candidate passes the gate on validation (each tried as float and INT8; width multipliers in (0, 4]). Default [2] (standard), [] (quick). */
    widths: z.array(z.number().gt(0, 'search.widths entries must be > 0').max(4, 'search.widths entries must be ≤ 4')).max(4, 'search.widths takes at most 4 widths').optional(),
  }).default({ mixedPrecision: true }),
  /** How to read the teacher where its metadata and graph do not say (the CLI's --layout/--scale/--mean/--std/--labels/--output). */
  contract: ExplicitContractSchema.optional(),
};

/** A compress job: teacher + dataset → distill → prune → fine-tune → export → quantize → evaluate → gate. */
export const CompressSpecSchema = z.strictObject({
  teacher: z.string().min(1, 'teacher must name an ONNX file'),
  dataset: z.string().min(1, 'dataset must name an .npz file'),
  ...compressFields,
});
export type CompressSpecInput = z.input<typeof CompressSpecSchema>;
export type CompressSpec = z.output<typeof CompressSpecSchema>;

/** Options of a compress job submitted to the API: the spec without teacher and dataset (they are uploads), plus latency settings. */
export const CompressJobOptionsSchema = z.strictObject({ ...compressFields, ...latencyFields });
export type CompressJobOptions = z.input<typeof CompressJobOptionsSchema>;

/** One job type as the API accepts it and the worker runs it. */
export interface JobTypeSpec {
  description: string;
  /** Checks the options (preset merged with the request's) before anything is queued. */
  options: z.ZodType;
  /** Named option sets; request options override the preset's. `default` is used when no preset is named. */
  presets: Record<string, Record<string, unknown>>;
}

/** Every job type, by name. The worker's executor table has one entry per name. */
export const JOB_TYPES = {
  compress: {
    description: 'Distill → prune → fine-tune → INT8 quantize → search under the clinical safety gate (model.onnx = the smallest candidate that passes on validation; student, pruned and INT8 models, report.json, report.md, charts).',
    options: CompressJobOptionsSchema,
    presets: { default: { preset: 'standard' }, quick: { preset: 'quick' }, standard: { preset: 'standard' } },
  },
  quantize: {
    description: 'Static INT8 QDQ quantization with a before/after report (model.int8.onnx, report.json, report.md).',
    options: QuantizeJobOptionsSchema,
    presets: {
      default: {},
      /** Quicker answer: fewer calibration images and latency iterations. */
      fast: { calibrationSize: 128, latencyIterations: 20, throughputIterations: 2 },
      /** Entropy (KL) calibration on more images. */
      accurate: { calibrator: 'entropy', calibrationSize: 1024 },
    },
  },
} as const satisfies Record<string, JobTypeSpec>;
export type JobType = keyof typeof JOB_TYPES;

/** The first five problems, each with its field path: `options.distill.epochs: Too big: expected number to be <=200; …`. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const field = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
      return field ? `${field}: ${i.message}` : i.message;
    })
    .join('; ');
}
