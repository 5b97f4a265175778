import { CodedError } from '@medslim/contracts';

/** Base error of `@medslim/distill`; `code` is stable, `message` names the problem and the fix. */
export class DistillError extends CodedError<'BAD_CONFIG' | 'CLASS_MISMATCH' | 'SIZE_MISMATCH' | 'NAN_LOSS' | 'BATCH_TOO_LARGE' | 'BAD_CHECKPOINT' | 'NO_BACKEND' | 'OUT_OF_MEMORY'> {
  override readonly name = 'DistillError';
}
