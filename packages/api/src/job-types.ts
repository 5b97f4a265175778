/**
 * What clients may submit per job type: its options (validated here, before anything is queued)
 * and named presets. The worker's `executors` table runs the same types; adding `compress` or
 * `distill` means one entry there and one here.
 */
import { z } from 'zod';

/** One job type as the API accepts it. */
export interface JobTypeSpec {
  description: string;
  options: z.ZodType<Record<string, unknown>>;
  /** Named option sets; request options override the preset's. `default` is used when no preset is named. */
  presets: Record<string, Record<string, unknown>>;
}

const quantizeOptions = z
  .object({
    calibrator: z.enum(['minmax', 'percentile', 'entropy']).optional(),
    percentile: z.number().gt(50).lte(100).optional(),
    calibrationSize: z.number().int().min(1).max(100_000).optional(),
    perChannel: z.boolean().optional(),
    reduceRange: z.boolean().optional(),
    target: z.enum(['x86_64', 'x86_64-vnni', 'arm64']).optional(),
    activationType: z.enum(['uint8', 'int8']).optional(),
    exclude: z.array(z.string().min(1).max(200)).max(1000).optional(),
    seed: z.number().int().min(0).optional(),
    intraOpNumThreads: z.number().int().min(1).max(64).optional(),
    latencyIterations: z.number().int().min(1).max(10_000).optional(),
    throughputIterations: z.number().int().min(1).max(1_000).optional(),
  })
  .strict();

const unit = z.number().min(0).max(1);
/** Compress options: the compress spec (packages/pipeline/src/compress/spec.ts) without teacher and dataset. */
const compressOptions = z
  .object({
    preset: z.enum(['quick', 'standard']).optional(),
    seed: z.number().int().min(0).optional(),
    distill: z.object({ width: z.number().gt(0).max(4), epochs: z.number().int().min(1).max(200), minSteps: z.number().int().min(0).max(100_000), temperature: z.number().gt(0), alpha: unit, lr: z.number().gt(0), batchSize: z.number().int().min(1).max(1024), teacherOnFlips: z.boolean() }).partial().strict().optional(),
    prune: z.object({ targetParamsReduction: z.number().min(0).max(0.99), minChannels: z.number().int().min(1), fineTuneEpochs: z.number().int().min(0).max(100), fineTuneMinSteps: z.number().int().min(0).max(100_000), fineTuneLr: z.number().gt(0) }).partial().strict().optional(),
    quantize: z.object({ calibrator: z.enum(['minmax', 'percentile', 'entropy']), calibrationSize: z.number().int().min(1).max(100_000), perChannel: z.boolean(), reduceRange: z.boolean() }).partial().strict().optional(),
    budgets: z.object({ auc: unit, sensitivity: unit, ece: unit, agreement: unit }).partial().strict().optional(),
    gate: z.object({ decision: z.enum(['point', 'ci']) }).partial().strict().optional(),
    target: z.enum(['x86_64', 'x86_64-vnni', 'arm64']).optional(),
    latencyIterations: z.number().int().min(1).max(10_000).optional(),
    throughputIterations: z.number().int().min(1).max(1_000).optional(),
  })
  .strict();

/** Every job type the API accepts, by name. */
export const jobTypes: Record<string, JobTypeSpec> = {
  compress: {
    description: 'Distill → prune → fine-tune → INT8 quantize → evaluate → clinical safety gate (model.int8.onnx, pruned.onnx, student.onnx, report.json, report.md, charts).',
    options: compressOptions,
    presets: {
      default: { preset: 'standard' },
      quick: { preset: 'quick' },
      standard: { preset: 'standard' },
    },
  },
  quantize: {
    description: 'Static INT8 QDQ quantization with a before/after report (model.int8.onnx, report.json, report.md).',
    options: quantizeOptions,
    presets: {
      default: {},
      /** Quicker answer: fewer calibration images and latency iterations. */
      fast: { calibrationSize: 128, latencyIterations: 20, throughputIterations: 2 },
      /** Entropy (KL) calibration on more images. */
      accurate: { calibrator: 'entropy', calibrationSize: 1024 },
    },
  },
};
