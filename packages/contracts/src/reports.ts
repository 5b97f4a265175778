/** report.json of a job: evaluated stages, the clinical safety gate and job-specific sections. */
import { z } from 'zod';
import { IntervalSchema } from './common.ts';

/** Test-split metrics of one model (see `@medslim/eval` evaluateClassifier). */
export const TestMetricsSchema = z.object({
  /** Number of test samples N. */
  n: z.number().int(),
  /** Top-1 accuracy. */
  accuracy: z.number(),
  /** ROC AUC: binary on P(class 1) for K = 2, macro one-vs-rest for K > 2. */
  auc: z.number(),
  /** Expected calibration error, 15 equal-width bins. */
  ece: z.number(),
  /** Top-1 agreement with the reference model (the teacher); null when there is none. */
  agreement: z.number().nullable(),
  /** One-vs-rest rates per class, in class-index order; `label` is the class name. */
  perClass: z.array(z.object({ label: z.string(), sensitivity: z.number(), specificity: z.number(), support: z.number().int() })),
  /** K×K counts, rows = true class, columns = predicted class. */
  confusion: z.array(z.array(z.number().int())),
  /** Percentile-bootstrap 95 % CIs `[low, high]`, all from the same resamples. */
  ci95: z.object({
    accuracy: IntervalSchema,
    auc: IntervalSchema,
    ece: IntervalSchema,
    agreement: IntervalSchema.nullable(),
    /** Per-class sensitivity CI, class-index order. */
    sensitivity: z.array(IntervalSchema),
  }),
});
export type TestMetrics = z.infer<typeof TestMetricsSchema>;

/** Batch-1 wall time of `session.run`, ms (onnxruntime-node). */
export const StageLatencySchema = z.object({ p50: z.number(), p95: z.number(), p99: z.number() });

/** One evaluated stage of a job (teacher, student, pruned, int8): the shape every job's report reuses. */
export const StageReportSchema = z
  .object({
    name: z.string(),
    /** File name of the stage's model inside the job folder (or the input path for the teacher). */
    file: z.string(),
    sha256: z.string(),
    /** Serialized ONNX size, bytes. */
    bytes: z.number().int(),
    /** Elements in the model's initializers (weights, biases; for INT8 also scales and zero-points). */
    params: z.number().int(),
    /** Test-split metrics; `agreement` is top-1 agreement with the teacher stage. */
    test: TestMetricsSchema,
    latencyMs: StageLatencySchema,
    /** Throughput at batch `throughputBatch`, images/s. */
    imagesPerSecond: z.number(),
    throughputBatch: z.number().int(),
    /** intraOpNumThreads the latency was measured with. */
    intraOpNumThreads: z.number().int(),
  })
  .meta({ id: 'StageReport' });
export type StageReport = z.infer<typeof StageReportSchema>;

const unit = (what: string) => z.number({ error: `${what} must be a number in [0, 1]` }).min(0, `${what} must be in [0, 1]`).max(1, `${what} must be in [0, 1]`);

/** Budgets of the clinical safety gate, each in [0, 1]; every default is the standard recipe's. */
export const GateBudgetsSchema = z.strictObject({
  /** Largest allowed test AUC drop vs the teacher. */
  auc: unit('budgets.auc').default(0.01),
  /** Largest allowed drop of any class's sensitivity vs the teacher (3 points). */
  sensitivity: unit('budgets.sensitivity').default(0.03),
  /** Largest allowed ECE increase vs the teacher. */
  ece: unit('budgets.ece').default(0.02),
  /** Smallest allowed top-1 agreement with the teacher. */
  agreement: unit('budgets.agreement').default(0.95),
});
export type GateBudgets = z.output<typeof GateBudgetsSchema>;
/** The budgets when a spec names none. */
export const DEFAULT_GATE_BUDGETS: GateBudgets = GateBudgetsSchema.parse({});

/**
 * What decides a check: `point` — the point estimate must be inside the budget; `ci` — the whole paired 95 %
 * bootstrap interval must be (the upper bound of a drop/increase ≤ budget, the lower bound of agreement ≥
 * budget), i.e. the data must show with 95 % confidence that the budget holds. `ci` is stricter and, on a
 * small test split, can fail a candidate whose point estimates are fine.
 */
export const GateDecisionSchema = z.enum(['point', 'ci'], { error: (i) => `gate.decision must be 'point' or 'ci'; got ${JSON.stringify(i.input)}` });
export type GateDecision = z.infer<typeof GateDecisionSchema>;

/** One check of the gate. */
export const GateCheckSchema = z.object({
  name: z.string(),
  /** 'max': value must be ≤ budget (drops, increases); 'min': value must be ≥ budget (agreement). */
  kind: z.enum(['max', 'min']),
  value: z.number(),
  budget: z.number(),
  /** Paired 95 % bootstrap CI of `value` (same resamples for teacher and candidate). */
  ci95: IntervalSchema,
  passed: z.boolean(),
  /** One line a reviewer reads (says why a check failed, including an undefined value). */
  detail: z.string(),
});
export type GateCheck = z.infer<typeof GateCheckSchema>;

/** The clinical safety gate's verdict on a candidate stage. */
export const GateResultSchema = z
  .object({
    passed: z.boolean(),
    candidate: z.string(),
    /** Which estimate decided every check. */
    decision: GateDecisionSchema,
    /** Which split the gate measured ('test' unless the caller says otherwise, e.g. 'val' during a search). */
    split: z.string(),
    budgets: GateBudgetsSchema,
    checks: z.array(GateCheckSchema),
    /** Why this gate exists. */
    rationale: z.string(),
  })
  .meta({ id: 'GateResult' });
export type GateResult = z.infer<typeof GateResultSchema>;

/** One row of the pruning sensitivity table (`@medslim/prune` sensitivityAnalysis): block `block` pruned alone by `ratio`. */
export const SensitivityRowSchema = z.object({
  block: z.number().int(),
  ratio: z.number(),
  /** Hidden channels of the block before pruning, and kept at this ratio. */
  hidden: z.number().int(),
  kept: z.number().int(),
  /** Student parameters with only this block pruned at this ratio. */
  params: z.number().int(),
  paramsRemoved: z.number().int(),
  /** Validation metrics without retraining, and their drop from the unpruned student. */
  auc: z.number(),
  accuracy: z.number(),
  aucDrop: z.number(),
  accuracyDrop: z.number(),
});
export type SensitivityRow = z.infer<typeof SensitivityRowSchema>;

/** `sensitivity.json` of a compress job: the unpruned student's validation metrics and one row per (block, ratio). */
export const SensitivityTableSchema = z.object({
  baseline: z.object({ params: z.number().int(), auc: z.number(), accuracy: z.number() }),
  rows: z.array(SensitivityRowSchema),
});
export type SensitivityTable = z.infer<typeof SensitivityTableSchema>;

/** Point metrics of a search candidate on one split (fractions in [0, 1]; NaN is written as null). */
export const SplitSummarySchema = z.object({
  auc: z.number().nullable(),
  accuracy: z.number().nullable(),
  ece: z.number().nullable(),
  /** Top-1 agreement with the teacher on the same split. */
  agreement: z.number().nullable(),
  perClass: z.array(z.object({ label: z.string(), sensitivity: z.number().nullable() })),
});
export type SplitSummary = z.infer<typeof SplitSummarySchema>;

/** One model the compress job's search explored (`report.search.candidates[i]`). */
export const SearchCandidateSchema = z.object({
  name: z.string(),
  kind: z.enum(['student', 'pruned', 'int8', 'teacher-int8']),
  /** ONNX file in the job folder. */
  file: z.string(),
  /** Student width multiplier; null for the teacher. */
  width: z.number().nullable(),
  /** Input height = width in pixels the model takes. */
  resolution: z.number().int(),
  params: z.number().int(),
  bytes: z.number().int(),
  /** Batch-1 p50 latency, ms, onnxruntime-node on the worker's CPU. */
  latencyMs: z.number(),
  /** INT8 models: layers kept in float (mixed precision); empty = fully INT8. */
  floatLayers: z.array(z.string()).optional(),
  val: SplitSummarySchema,
  /** The gate on the validation split — what chooses. */
  gateVal: z.object({ passed: z.boolean(), failed: z.array(z.string()) }),
  /** Confirmation on the test split (never used to choose). */
  test: SplitSummarySchema,
  gateTest: z.object({ passed: z.boolean(), failed: z.array(z.string()) }),
  /** Spec constraints (maxBytes, maxLatencyMs) this candidate breaks. */
  constraintsFailed: z.array(z.string()),
  /** Largest per-class sensitivity drop vs the teacher on validation (a class that cannot be measured counts 1). */
  worstSensitivityDrop: z.number(),
});
export type SearchCandidate = z.infer<typeof SearchCandidateSchema>;

/** The compress job's search under the gate: every candidate, the chosen one and why. */
export const SearchReportSchema = z.looseObject({
  candidates: z.array(SearchCandidateSchema),
  chosen: z.string(),
  reason: z.string(),
  /** True when no candidate passed the validation gate within the constraints: the closest was returned. */
  bestEffort: z.boolean(),
  /** When the INT8 teacher is chosen: the student-derived candidate that came closest and what it failed. */
  closestStudent: z.object({ name: z.string(), failed: z.array(z.string()) }).nullable(),
  /** Optional steps not taken (e.g. the time budget was spent). */
  skipped: z.array(z.string()),
});
export type SearchReport = z.infer<typeof SearchReportSchema>;

/** report.json of a job. Compress reports carry every section; quantize and distill reports a subset. */
export const JobReportSchema = z
  .looseObject({
    job: z.enum(['quantize', 'distill', 'compress']),
    medslimVersion: z.string(),
    createdAt: z.string(),
    dataset: z.object({ sha256: z.string(), splits: z.record(z.string(), z.object({ count: z.number().int(), classCounts: z.array(z.number().int()) })) }),
    labels: z.array(z.string()),
    stages: z.array(StageReportSchema),
    gate: GateResultSchema.nullable().optional(),
    /** Compress: the search under the gate (`gate` is then the chosen candidate's test gate). */
    search: SearchReportSchema.optional(),
    sensitivity: SensitivityTableSchema.optional(),
    pruning: z.looseObject({ paramsBefore: z.number().optional(), paramsAfter: z.number().optional(), paramsReduction: z.number().optional() }).optional(),
    training: z.looseObject({ backend: z.string().optional(), epochs: z.number().optional(), seconds: z.number().optional() }).optional(),
    lineage: z.looseObject({ teacherSha256: z.string(), datasetSha256: z.string(), spec: z.unknown(), medslimVersion: z.string() }).optional(),
    /** Wall seconds per stage (compress). */
    stageSeconds: z.record(z.string(), z.number()).optional(),
  })
  .meta({ id: 'JobReport' });
export type JobReport = z.infer<typeof JobReportSchema>;
