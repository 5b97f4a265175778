/** Base error of `@medslim/quantize`; `code` is stable, `message` names the problem and the fix. */
export class QuantizeError extends Error {
  override readonly name = 'QuantizeError';
  constructor(
    readonly code: 'EMPTY_CALIBRATION' | 'BAD_CONFIG' | 'OPSET_TOO_OLD' | 'BAD_RANGE' | 'VERIFY_FAILED' | 'INPUT_MISMATCH',
    message: string,
  ) {
    super(message);
  }
}
