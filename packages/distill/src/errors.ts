/** Base error of `@medslim/distill`; `code` is stable, `message` names the problem and the fix. */
export class DistillError extends Error {
  override readonly name = 'DistillError';
  constructor(
    readonly code: 'BAD_CONFIG' | 'CLASS_MISMATCH' | 'SIZE_MISMATCH' | 'NAN_LOSS' | 'BATCH_TOO_LARGE' | 'BAD_CHECKPOINT' | 'NO_BACKEND' | 'OUT_OF_MEMORY',
    message: string,
  ) {
    super(message);
  }
}
