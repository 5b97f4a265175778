/**
 * CPU latency and throughput benchmark of an ONNX model with onnxruntime-node.
 */
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { fromFloat32 } from '@medslim/onnx';
import { EvalError } from './errors.ts';
import { percentile } from './percentile.ts';
import { mulberry32 } from '@medslim/data';

/** Options for {@link benchmarkLatency}. */
export interface LatencyOptions {
  /** Shape of ONE input image including the batch axis, in the model's layout, e.g. `[1,C,H,W]` or `[1,H,W,C]`; dims[0] is 1, or the model's fixed batch (the "batch 1" figures are then per run of that batch). */
  inputDims: readonly number[];
  /** Element type of the input (default float32): float32/float16/float64 get uniform [−1, 1) values, uint8/int32/int64 uniform integers in [0, 255]. */
  inputType?: 'float32' | 'float16' | 'float64' | 'uint8' | 'int32' | 'int64';
  /** onnxruntime intra-op threads (positive integer). Default 1. */
  intraOpNumThreads?: number;
  /** onnxruntime graph optimization level. Default 'all'. */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Untimed batch-1 runs before measuring (non-negative integer). Default 10. */
  warmup?: number;
  /** Timed batch-1 runs (positive integer). Default 100. */
  iterations?: number;
  /** Batch size of the throughput measurement (positive integer). Default 64. */
  throughputBatch?: number;
  /** Timed runs at `throughputBatch` (positive integer). Default 10. */
  throughputIterations?: number;
}

/** Result of {@link benchmarkLatency}. */
export interface LatencyResult {
  /** Echo of the intra-op thread count used. */
  intraOpNumThreads: number;
  /** Batch-1 latency of `session.run`, milliseconds (wall time, performance.now()). */
  batch1: { p50: number; p95: number; p99: number; mean: number; iterations: number };
  /** Sustained throughput at `batch` images per run. */
  throughput: { batch: number; imagesPerSecond: number; iterations: number };
}

/** Seed of the deterministic benchmark input. */
const INPUT_SEED = 0x5eed;

function positiveInt(v: number, name: string, allowZero = false): number {
  if (!Number.isInteger(v) || v < (allowZero ? 0 : 1)) {
    throw new EvalError(
      'INVALID_ARGUMENT',
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${v}.`,
    );
  }
  return v;
}

function randomInput(dims: number[], type: NonNullable<LatencyOptions['inputType']> = 'float32'): ort.Tensor {
  const size = dims.reduce((a, b) => a * b, 1);
  const rng = mulberry32(INPUT_SEED);
  const data = new Float32Array(size);
  const integer = type === 'uint8' || type === 'int32' || type === 'int64';
  for (let i = 0; i < size; i++) data[i] = integer ? Math.floor(256 * rng()) : 2 * rng() - 1;
  return new ort.Tensor(type, fromFloat32(type, data) as never, dims);
}


/**
 * Measure single-image latency and batched throughput of a model on CPU.
 *
 * Creates its own `ort.InferenceSession` with `{intraOpNumThreads,
 * interOpNumThreads: 1, graphOptimizationLevel, executionMode: 'sequential'}`
 * and feeds its first input a deterministic pseudo-random float32 tensor
 * (uniform in [−1, 1), {@link mulberry32} with a fixed seed), so results
 * depend only on model, options and machine. Procedure: `warmup` untimed
 * batch-1 runs; `iterations` timed batch-1 runs, each timed as the wall time
 * of `await session.run(...)` with `performance.now()` (includes the JS↔native
 * call overhead); one untimed run at `throughputBatch`, then
 * `throughputIterations` timed runs at that batch. Percentiles use
 * {@link percentile} (linear interpolation, NumPy default). The session is
 * released at the end, also on error.
 *
 * @param model path to an .onnx file, or the model bytes.
 * @param opts see {@link LatencyOptions}; `inputDims` is required, e.g. `[1,1,28,28]`.
 * @returns batch-1 p50/p95/p99/mean in **ms**; throughput in **images/s**
 *   (= batch·throughputIterations / total seconds); the intra-op thread count used.
 * @throws {EvalError} `INVALID_ARGUMENT` for bad dims (not positive integers, dims[0] ≠ 1) or
 *   bad counts; `INFERENCE_FAILED` if onnxruntime cannot load or run the model (cause attached).
 */
export async function benchmarkLatency(model: string | Uint8Array, opts: LatencyOptions): Promise<LatencyResult> {
  const dims = [...opts.inputDims];
  if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new EvalError(
      'INVALID_ARGUMENT',
      `opts.inputDims must be positive integers for ONE image with batch axis 1, e.g. [1,C,H,W]; got [${dims.join(',')}].`,
    );
  }
  const intraOpNumThreads = positiveInt(opts.intraOpNumThreads ?? 1, 'opts.intraOpNumThreads');
  const warmup = positiveInt(opts.warmup ?? 10, 'opts.warmup', true);
  const iterations = positiveInt(opts.iterations ?? 100, 'opts.iterations');
  const batch = positiveInt(opts.throughputBatch ?? 64, 'opts.throughputBatch');
  const tpIterations = positiveInt(opts.throughputIterations ?? 10, 'opts.throughputIterations');
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: opts.graphOptimizationLevel ?? 'all',
    executionMode: 'sequential',
  };

  let session: ort.InferenceSession;
  try {
    session =
      typeof model === 'string'
        ? await ort.InferenceSession.create(model, sessionOptions)
        : await ort.InferenceSession.create(model, sessionOptions);
  } catch (err) {
    throw new EvalError(
      'INFERENCE_FAILED',
      `onnxruntime could not load the model${typeof model === 'string' ? ` '${model}'` : ''}: ${(err as Error)?.message ?? err}`,
      { cause: err },
    );
  }
  try {
    const inputName = session.inputNames[0];
    const one = { [inputName]: randomInput(dims, opts.inputType) };
    const many = { [inputName]: randomInput([batch, ...dims.slice(1)], opts.inputType) };
    const run = async (feeds: Record<string, ort.Tensor>): Promise<void> => {
      try {
        await session.run(feeds);
      } catch (err) {
        throw new EvalError(
          'INFERENCE_FAILED',
          `onnxruntime failed running input '${inputName}' with dims [${feeds[inputName].dims.join(',')}]: ${(err as Error)?.message ?? err}. ` +
            'Check opts.inputDims matches the model input; a fixed-batch model needs throughputBatch equal to its batch.',
          { cause: err },
        );
      }
    };

    for (let i = 0; i < warmup; i++) await run(one);
    const times = new Float64Array(iterations);
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      await run(one);
      times[i] = performance.now() - t0;
    }
    const mean = times.reduce((a, b) => a + b, 0) / iterations;
    times.sort();

    await run(many);
    const t0 = performance.now();
    for (let i = 0; i < tpIterations; i++) await run(many);
    const totalMs = performance.now() - t0;

    return {
      intraOpNumThreads,
      batch1: {
        p50: percentile(times, 50),
        p95: percentile(times, 95),
        p99: percentile(times, 99),
        mean,
        iterations,
      },
      throughput: { batch, imagesPerSecond: (batch * tpIterations) / (totalMs / 1000), iterations: tpIterations },
    };
  } finally {
    await session.release();
  }
}
