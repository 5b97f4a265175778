import { CodedError } from '@medslim/contracts';

/** Base error of `@medslim/onnx`; `code` is stable, `message` names the problem and the fix. */
export class OnnxError extends CodedError<'NOT_ONNX' | 'TRUNCATED' | 'EXTERNAL_DATA' | 'UNSUPPORTED_DTYPE' | 'BAD_TENSOR' | 'BAD_GRAPH' | 'NOT_FOUND' | 'BAD_BUNDLE'> {
  override readonly name = 'OnnxError';
}
