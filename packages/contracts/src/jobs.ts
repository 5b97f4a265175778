/** The job document (`jobs/{id}/job.json`), its parts, and the API's job requests and events. */
import { z } from 'zod';
import { ActorSchema, NameSchema } from './common.ts';
import { InputRefSchema } from './registry.ts';

/** Life of a job: queued → running → succeeded | failed | cancelled (a queued job may be cancelled directly). */
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const JobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatusSchema>;

/** Where a running job is, as shown to clients. */
export const JobProgressStateSchema = z.object({
  stage: z.string(),
  step: z.string(),
  /** Units done and total of the current step (batches, images, files). */
  done: z.number(),
  total: z.number(),
  /** Whole job, 0 … 100. */
  percent: z.number(),
  /** Estimated seconds left, or null before there is enough progress to estimate. */
  etaSeconds: z.number().nullable(),
});
export type JobProgressState = z.infer<typeof JobProgressStateSchema>;

/** Why a job failed or was cancelled. */
export const JobFailureSchema = z.object({
  /** Stable code: the pipeline error's code (e.g. NOT_ONNX, SIZE_MISMATCH), WORKER_LOST, CANCELLED, INTERNAL … */
  code: z.string(),
  message: z.string(),
  /** Error class name when it came from an exception (OnnxError, DataError, JobError, QuantizeError, …). */
  name: z.string().nullable(),
});
export type JobFailure = z.infer<typeof JobFailureSchema>;

/** The worker holding a running job and its lease (internal: never shown to clients). */
export const JobLeaseSchema = z.object({
  workerId: z.string(),
  host: z.string(),
  pid: z.number().int(),
  /** ISO time after which the job counts as abandoned unless the lease is renewed. */
  leaseUntil: z.string(),
  heartbeatAt: z.string(),
});
export type JobLease = z.infer<typeof JobLeaseSchema>;

/** What to run: the job type, the model that receives the version, the inputs and the resolved options. */
export const JobSpecSchema = z.object({
  type: z.string(),
  model: z.string(),
  teacher: InputRefSchema,
  dataset: InputRefSchema,
  preset: z.string().nullable(),
  /** Preset merged with the request's options, validated by the job type's schema: exactly what the worker passes on. */
  options: z.record(z.string(), z.unknown()),
});
export type JobSpec = z.infer<typeof JobSpecSchema>;

/** A job as clients see it (the document without its lease). */
export const JobSchema = JobSpecSchema.extend({
  id: z.string(),
  tenant: z.string(),
  status: JobStatusSchema,
  createdAt: z.string(),
  createdBy: ActorSchema,
  updatedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  progress: JobProgressStateSchema.nullable(),
  cancelRequested: z.object({ at: z.string(), by: ActorSchema }).nullable(),
  attempts: z.number().int(),
  error: JobFailureSchema.nullable(),
  /** The version registered by a succeeded job. */
  result: z.object({ model: z.string(), version: z.number().int() }).nullable(),
}).meta({ id: 'Job' });
export type Job = z.infer<typeof JobSchema>;

/** `jobs/{id}/job.json`. */
export const JobDocSchema = JobSchema.extend({ lease: JobLeaseSchema.nullable() });
export type JobDoc = z.infer<typeof JobDocSchema>;

/** What each Server-Sent Event of GET /v1/jobs/{id}/events carries (GET /v1/jobs/{id} has the rest). */
export const JobEventSchema = JobSchema.pick({ id: true, status: true, progress: true, error: true, result: true }).meta({ id: 'JobEvent' });
export type JobEvent = z.infer<typeof JobEventSchema>;

/** POST /v1/jobs. `options` are checked against the job type's schema (see job-types.ts) after the preset is merged in. */
export const SubmitJobSchema = z
  .strictObject({
    type: z.string().meta({ example: 'quantize' }),
    model: NameSchema.describe('Model that receives the new version.'),
    teacher: z.string().describe('Upload id of the teacher ONNX.'),
    dataset: z.string().describe('Upload id of the dataset (.npz).'),
    preset: z.string().optional(),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'SubmitJob' });
export type SubmitJob = z.infer<typeof SubmitJobSchema>;
