/** Base error of `@medslim/pipeline`: a job refused before or during work; `message` names the field and the fix. */
export class JobError extends Error {
  override readonly name = 'JobError';
  constructor(
    readonly code: 'MODEL_INPUT' | 'MODEL_OUTPUT' | 'CLASS_MISMATCH' | 'SIZE_MISMATCH' | 'EMPTY_CALIBRATION' | 'BAD_OPTION' | 'BAD_SPEC' | 'CANCELLED',
    message: string,
  ) {
    super(message);
  }
}
