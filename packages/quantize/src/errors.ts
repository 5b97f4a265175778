import { CodedError } from '@medslim/contracts';

/** Base error of `@medslim/quantize`; `code` is stable, `message` names the problem and the fix. */
export class QuantizeError extends CodedError<'EMPTY_CALIBRATION' | 'BAD_CONFIG' | 'OPSET_TOO_OLD' | 'BAD_RANGE' | 'VERIFY_FAILED' | 'INPUT_MISMATCH'> {
  override readonly name = 'QuantizeError';
}
