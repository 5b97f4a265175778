/**
 * The API's response shapes as the console reads them (packages/api/src/schemas.ts, the job
 * report written by packages/pipeline, and the inference app's metrics in packages/infer).
 * Fields the console does not show are left out.
 */

export type Role = 'reader' | 'deployer' | 'admin' | 'platform';

export interface Actor {
  keyId: string;
  name: string | null;
  role: Role;
}

export interface Upload {
  id: string;
  status: 'ready' | 'pending';
  filename: string | null;
  sha256: string | null;
  bytes: number | null;
  createdAt: string;
}

export interface Model {
  name: string;
  description: string | null;
  createdAt: string;
  createdBy: Actor;
}

/** An alias target: `weight` of the traffic goes to `version` (weights sum to 1). */
export interface Target {
  version: number;
  weight: number;
}

export interface ModelDetail extends Model {
  versions: number[];
  aliases: Record<string, Target[]>;
}

/** Lower and upper bound of a 95 % confidence interval. */
export type Interval = [number, number];

export interface PerClass {
  label: string;
  sensitivity: number;
  specificity: number;
  support: number;
}

/** One evaluated stage of a job report (teacher, student, pruned, int8). */
export interface Stage {
  name: string;
  bytes: number;
  params: number;
  test: {
    n?: number;
    accuracy: number;
    auc: number;
    ece: number;
    agreement: number;
    perClass: PerClass[];
    /** confusion[true][predicted] counts. */
    confusion: number[][];
    ci95?: { accuracy?: Interval; auc?: Interval; ece?: Interval; agreement?: Interval; sensitivity?: Interval[] };
  };
  latencyMs?: { p50: number; p95: number; p99: number };
  imagesPerSecond?: number;
}

export interface GateCheck {
  name: string;
  kind?: 'max' | 'min';
  value: number;
  budget: number;
  ci95?: Interval;
  passed: boolean;
  detail?: string;
}

export interface Gate {
  passed: boolean;
  candidate?: string;
  checks: GateCheck[];
  rationale?: string;
}

export interface SensitivityRow {
  block: number;
  ratio: number;
  auc: number;
  accuracy: number;
  aucDrop: number;
  params?: number;
}

/** report.json of a job (compress reports have every field; quantize reports only stages). */
export interface Report {
  job?: string;
  medslimVersion?: string;
  labels?: string[];
  stages?: Stage[];
  gate?: Gate | null;
  sensitivity?: { baseline: { params: number; auc: number; accuracy: number }; rows: SensitivityRow[] };
  pruning?: { paramsBefore?: number; paramsAfter?: number; paramsReduction?: number };
  training?: { backend?: string; epochs?: number; seconds?: number };
  lineage?: { teacherSha256: string; datasetSha256: string; spec: unknown; medslimVersion: string };
  stageSeconds?: Record<string, number>;
}

export interface InputRef {
  upload: string;
  sha256: string;
  bytes: number;
  filename: string | null;
}

export interface Artifact {
  file: string;
  sha256: string;
  bytes: number;
  contentType: string;
}

export interface Version {
  model: string;
  version: number;
  createdAt: string;
  createdBy: Actor;
  artifacts: Artifact[];
  lineage: {
    teacher: InputRef | null;
    dataset: InputRef | null;
    job: { id: string; type: string; preset: string | null; options: Record<string, unknown> } | null;
    codeVersion: string;
  };
  /** The report's stages. */
  metrics: Stage[];
  gate: Gate | null;
  reportFile: string | null;
}

export interface VersionDetail extends Version {
  report: Report | null;
}

export interface Alias {
  model: string;
  alias: string;
  targets: Target[];
  previous: Target[] | null;
  revision: number;
  updatedAt: string;
  updatedBy: Actor;
  reason: string | null;
  force: boolean;
  /** Send back as If-Match to change the alias. */
  etag: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  model: string;
  alias: string;
  action: 'create' | 'update' | 'rollback';
  from: Target[] | null;
  to: Target[];
  reason: string | null;
  force: boolean;
  who: Actor;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Progress {
  stage: string;
  step: string;
  done: number;
  total: number;
  percent: number;
  etaSeconds: number | null;
}

export interface Job {
  id: string;
  type: string;
  model: string;
  teacher: InputRef;
  dataset: InputRef;
  preset: string | null;
  options: Record<string, unknown>;
  status: JobStatus;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  progress: Progress | null;
  cancelRequested: { at: string; by: Actor } | null;
  error: { code: string; message: string } | null;
  result: { model: string; version: number } | null;
}

/** What each job SSE event carries. */
export type JobEvent = Pick<Job, 'id' | 'status' | 'progress' | 'error' | 'result'>;

/** Latency quantiles in ms (null before the first request). */
export interface Quantiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  mean?: number | null;
}

/** Serving metrics of one version, or of all versions together (packages/infer). */
export interface MetricsSummary {
  requests: number;
  errors: number;
  predictions?: number;
  requestsLastHour: number;
  modelMs: Quantiles;
  requestMs: Quantiles;
  usdPerPrediction: number | null;
  usdPer1k: number | null;
  usdPer1M: number | null;
}

/** GET /v1/models/{name}/metrics. */
export interface ModelMetrics {
  model: string;
  since: string;
  pricing?: { memoryMb: number; architecture: string; pricePerRequest: number; pricePerGbSecond: number; currency: string; formula?: string };
  all: MetricsSummary;
  versions: (MetricsSummary & { version: number })[];
}
