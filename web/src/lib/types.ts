/**
 * The API's documents as the console reads them: types inferred from the @medslim/contracts schemas
 * (the same ones the API validates with and generates its OpenAPI documents from), imported type-only
 * so no schema code enters the console's bundle. The console's own names for them are kept here.
 */
import type {
  AliasTarget, GateResult, JobProgressState, JobReport, LatencySummary, MetricsSummary as ContractMetricsSummary,
  StageReport, TestMetrics,
} from '@medslim/contracts';

export type {
  Actor, Alias, Artifact, AuditEntry, GateCheck, InputRef, Interval, Job, JobEvent, JobStatus, Model, ModelDetail,
  ModelMetrics, Role, SensitivityRow, Upload, Version, VersionDetail,
} from '@medslim/contracts';

/** An alias target: `weight` of the traffic goes to `version` (weights sum to 1). */
export type Target = AliasTarget;
/** One class's one-vs-rest rates in a stage's test metrics. */
export type PerClass = TestMetrics['perClass'][number];
/** One evaluated stage of a job report (teacher, student, pruned, int8). */
export type Stage = StageReport;
/** The clinical safety gate's verdict. */
export type Gate = GateResult;
/** report.json of a job (compress reports have every section; quantize reports stages only). */
export type Report = JobReport;
/** Where a running job is. */
export type Progress = JobProgressState;
/** Latency quantiles in ms (null before the first request). */
export type Quantiles = LatencySummary;
/** Serving metrics of one version, or of all versions together (the inference app's metrics routes). */
export type MetricsSummary = ContractMetricsSummary;
