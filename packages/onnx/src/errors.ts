/** Base error of `@medslim/onnx`; `code` is stable, `message` names the problem and the fix. */
export class OnnxError extends Error {
  override readonly name = 'OnnxError';
  constructor(
    readonly code: 'NOT_ONNX' | 'TRUNCATED' | 'EXTERNAL_DATA' | 'UNSUPPORTED_DTYPE' | 'BAD_TENSOR' | 'BAD_GRAPH' | 'NOT_FOUND' | 'BAD_BUNDLE',
    message: string,
  ) {
    super(message);
  }
}
