/**
 * Error type thrown by every function in `@medslim/eval`.
 *
 * Each error carries a machine-readable {@link EvalErrorCode} so callers (the
 * pipeline, the CLI) can branch on the failure kind without parsing messages.
 * Messages name the offending argument and say how to fix it.
 */

/** Machine-readable failure kinds. */
export type EvalErrorCode =
  /** Two arrays that must describe the same N samples (or an [N,K] buffer) disagree in length. */
  | 'LENGTH_MISMATCH'
  /** Number of classes K is not an integer >= 2. */
  | 'INVALID_NUM_CLASSES'
  /** N = 0: nothing to evaluate. */
  | 'EMPTY_INPUT'
  /** NaN or ±Infinity in logits, probabilities, scores or model outputs. */
  | 'NON_FINITE'
  /** A label / prediction is outside [0, K), or a probability outside [0, 1]. */
  | 'OUT_OF_RANGE'
  /** Any other malformed option or argument (bad batch size, bad percentile, bad dims...). */
  | 'INVALID_ARGUMENT'
  /** The ONNX model's inputs/outputs do not have the expected names, types or shapes. */
  | 'BAD_MODEL_OUTPUT'
  /** onnxruntime failed while running the model; the original error is in `cause`. */
  | 'INFERENCE_FAILED';

/** Error thrown for bad input to any `@medslim/eval` function; see {@link EvalErrorCode}. */
export class EvalError extends Error {
  override readonly name = 'EvalError';
  readonly code: EvalErrorCode;

  constructor(code: EvalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
