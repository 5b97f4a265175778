/**
 * Batched inference of an image classifier with onnxruntime-node.
 */
import * as ort from 'onnxruntime-node';
import { EvalError } from './errors.ts';

/** NCHW float32 image batch: `data` is row-major `[N,C,H,W]` with `dims = [N,C,H,W]`. */
export interface ImageBatch {
  data: Float32Array;
  dims: readonly number[];
}

/** Options for {@link runLogits}. */
export interface RunLogitsOptions {
  /** Images per `session.run` call (positive integer). Default 64. The last batch may be smaller. */
  batchSize?: number;
  /** Progress callback after each batch: `done` images processed so far, out of `total` = N. */
  onBatch?: (done: number, total: number) => void;
}

/** Output of {@link runLogits}. */
export interface LogitsResult {
  /** `[N,numClasses]` row-major float32 logits (raw model outputs, before softmax). */
  logits: Float32Array;
  /** K, the size of the model output's second dimension. */
  numClasses: number;
}

function checkDims(input: ImageBatch): number[] {
  const dims = [...input.dims];
  if (dims.length !== 4 || dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new EvalError(
      'INVALID_ARGUMENT',
      `input.dims must be 4 non-negative integers [N,C,H,W] (NCHW), got [${dims.join(',')}]; add the batch/channel axes explicitly.`,
    );
  }
  const size = dims.reduce((a, b) => a * b, 1);
  if (input.data.length !== size) {
    throw new EvalError(
      'LENGTH_MISMATCH',
      `input.data has length ${input.data.length} but input.dims [${dims.join(',')}] needs ${size} values; make dims match the data.`,
    );
  }
  if (dims[0] === 0) {
    throw new EvalError('EMPTY_INPUT', 'input.dims[0] (N) is 0: no images to classify; pass at least one image.');
  }
  return dims;
}

/**
 * Run an image classifier over N images, batch by batch, and collect its logits.
 *
 * The session is fed `input.data` in consecutive batches of `batchSize`
 * images (zero-copy subarrays of the input; the last batch is N mod
 * batchSize images), under the session's **first** input name, and the
 * **first** output is read. The model's batch axis must therefore be dynamic
 * (or equal to batchSize with N a multiple of it). Every output must be a
 * float32 tensor of shape `[b,K]` with the same K >= 2 for all batches.
 *
 * @param session an open `ort.InferenceSession` (not released here).
 * @param input NCHW `[N,C,H,W]` float32 images, row-major, already preprocessed as the model expects.
 * @param opts batchSize (default 64), onBatch progress callback.
 * @returns `{logits, numClasses}`: logits `[N,K]` row-major Float32Array, numClasses = K.
 * @throws {EvalError} `INVALID_ARGUMENT` for dims that are not 4-D or a bad batchSize;
 *   `LENGTH_MISMATCH` if data length ≠ N·C·H·W; `EMPTY_INPUT` if N = 0;
 *   `BAD_MODEL_OUTPUT` if the output is not float32 `[b,K]`, K < 2, or K changes between
 *   batches; `NON_FINITE` if an output is NaN or ±Infinity (names the image index);
 *   `INFERENCE_FAILED` if onnxruntime throws (original error in `cause`).
 */
export async function runLogits(
  session: ort.InferenceSession,
  input: ImageBatch,
  opts?: RunLogitsOptions,
): Promise<LogitsResult> {
  const dims = checkDims(input);
  const batchSize = opts?.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new EvalError('INVALID_ARGUMENT', `batchSize must be a positive integer (e.g. 64), got ${batchSize}.`);
  }
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  if (inputName === undefined || outputName === undefined) {
    throw new EvalError(
      'BAD_MODEL_OUTPUT',
      `the model must have at least one input and one output (has inputs [${session.inputNames.join(', ')}], outputs [${session.outputNames.join(', ')}]).`,
    );
  }
  const [n, c, h, w] = dims;
  const perImage = c * h * w;
  let k = 0;
  let logits = new Float32Array(0);
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const tensor = new ort.Tensor('float32', input.data.subarray(start * perImage, (start + b) * perImage), [b, c, h, w]);
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await session.run({ [inputName]: tensor }, [outputName]);
    } catch (err) {
      throw new EvalError(
        'INFERENCE_FAILED',
        `onnxruntime failed on images [${start}, ${start + b}) with input '${inputName}' dims [${b},${c},${h},${w}]: ${(err as Error)?.message ?? err}. ` +
          'Check the image size/channels match the model; if the model has a fixed batch size, set batchSize to it.',
        { cause: err },
      );
    }
    const out = results[outputName];
    if (out.type !== 'float32' || out.dims.length !== 2 || out.dims[0] !== b || out.dims[1] < 2) {
      throw new EvalError(
        'BAD_MODEL_OUTPUT',
        `model output '${outputName}' must be float32 [${b},K] with K >= 2 for a batch of ${b}, got ${out.type} [${out.dims.join(',')}]; ` +
          'export the classifier with a logits output of shape [N, num_classes].',
      );
    }
    if (k === 0) {
      k = out.dims[1];
      logits = new Float32Array(n * k);
    } else if (out.dims[1] !== k) {
      throw new EvalError('BAD_MODEL_OUTPUT', `model output '${outputName}' changed from K=${k} to K=${out.dims[1]} classes between batches.`);
    }
    const data = out.data as Float32Array;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        throw new EvalError(
          'NON_FINITE',
          `model output '${outputName}' is ${data[i]} for image ${start + Math.floor(i / k)}, class ${i % k}; check the input for NaN/Inf and the model for overflow (e.g. after quantization).`,
        );
      }
    }
    logits.set(data, start * k);
    opts?.onBatch?.(start + b, n);
  }
  return { logits, numClasses: k };
}
