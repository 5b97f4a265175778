import { CodedError } from '@medslim/contracts';

/** Base error of `@medslim/pipeline`: a job refused before or during work; `message` names the field and the fix. */
export class JobError extends CodedError<'MODEL_INPUT' | 'MODEL_OUTPUT' | 'CLASS_MISMATCH' | 'SIZE_MISMATCH' | 'EMPTY_CALIBRATION' | 'BAD_OPTION' | 'BAD_SPEC' | 'CANCELLED'> {
  override readonly name = 'JobError';
}
