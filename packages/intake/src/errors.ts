/** The one error type of `@medslim/intake`: a stable `code` and a message naming the field and the fix. */
export type IntakeErrorCode =
  /** The input is not one 4-D image tensor medslim can feed. */
  | 'MODEL_INPUT'
  /** No output holds class scores [N, K], or the chosen one does not. */
  | 'MODEL_OUTPUT'
  /** An element type medslim cannot feed or read. */
  | 'UNSUPPORTED_TYPE'
  /** The input shape fits both NCHW and NHWC (or neither): `--layout` decides. */
  | 'AMBIGUOUS_LAYOUT'
  /** Several outputs could be the class scores: `--output` decides. */
  | 'AMBIGUOUS_OUTPUT'
  /** An explicit or metadata contract that does not fit the model. */
  | 'BAD_CONTRACT'
  /** Unreadable `medslim.*` metadata. */
  | 'BAD_METADATA'
  /** No contract from flags or metadata, and the evidence rule did not adopt one. */
  | 'NO_CONTRACT'
  /** The model's number of classes differs from the dataset's or the labels'. */
  | 'CLASS_MISMATCH'
  /** Image size differs from the model's fixed H×W. */
  | 'SIZE_MISMATCH'
  /** A Softmax output whose rows do not sum to 1, or NaN/±Infinity scores. */
  | 'BAD_SCORES'
  /** ONNX Runtime refused the input (its reason is in the message). */
  | 'INFERENCE_FAILED';

export class IntakeError extends Error {
  override readonly name = 'IntakeError';
  constructor(readonly code: IntakeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
  static is(e: unknown, code?: IntakeErrorCode): e is IntakeError {
    return e instanceof IntakeError && (code === undefined || e.code === code);
  }
}

/** The flags (CLI) / job-spec fields (API) that settle the interface, for refusal messages. */
export const CONTRACT_FLAGS_HINT =
  'give the contract explicitly: CLI --scale (e.g. 1/255) with --mean/--std (e.g. 0.5) and --layout NCHW|NHWC, or --contract file.json; ' +
  'API job options {"contract": {"layout", "scale", "mean", "std"}}; or store it in the model as metadata medslim.preprocess';
