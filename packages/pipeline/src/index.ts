/** @medslim/pipeline — jobs: from an uploaded teacher and dataset to compressed models and their report. */
/** The quantize job (INT8 QDQ + before/after report). */
export { runQuantizeJob, renderQuantizeMarkdown, type QuantizeJobOptions, type QuantizeJobResult } from './quantize/quantize-job.ts';
/** Shared by the jobs: progress events, prediction changes against the teacher. */
export type { JobProgress } from './job-progress.ts';
export { predictionChanges, type PredictionChange } from './prediction-changes.ts';
/** Evaluation of one stage (metrics with CIs, latency). */
export { evaluateStage, evaluateTeacherAnd, testBench, type StageInput, type TestBench, type MeasureOptions } from './evaluate-stage.ts';
/** report.json types and report.md tables. */
export { renderStagesMarkdown, renderInterfaceMarkdown, toJson, type JobReport, type StageReport, type LatencySummary } from './report.ts';
/** The teacher and data of a job, the teacher's interface resolved by @medslim/intake. */
export { loadJobInputs, type JobInputs, type ModelInterface } from './job-inputs.ts';
/** Errors: one class, stable codes. */
export { JobError } from './errors.ts';
/** medslim's version, recorded in reports. */
export { medslimVersion } from './version.ts';
/** The distill job (teacher → MobileNetV2-family student, report). */
export { runDistillJob, renderDistillMarkdown, type DistillJobOptions, type DistillJobResult } from './distill/distill-job.ts';
/** The compress job (distill → prune → fine-tune → quantize → evaluate → gate) and its spec. */
export { runCompressJob, type CompressJobOptions, type CompressJobResult } from './compress/compress-job.ts';
export { parseCompressSpec, epochsForSteps, CompressSpecSchema, PRESETS, type CompressSpec, type CompressSpecInput, type ResolvedStages } from './compress/spec.ts';
export { cachedStage, contentHash } from './compress/stage-cache.ts';
/** The search under the gate: candidates, the choice, INT8 mixed-precision fallback, the Pareto chart. */
export { chooseCandidate, candidateTableText, mixedPrecisionFallback, splitSummary, type Candidate, type Choice, type LayerSensitivity } from './compress/search.ts';
/** The clinical safety gate. */
export { clinicalGate, type GateBudgets, type GateCheck, type GateResult } from './gate.ts';
