/**
 * The one error type of `@medslim/serving`: a stable machine-readable `code` and the HTTP status it
 * answers with. Messages say what was wrong (with the numbers) and how to fix it; they never contain
 * input values (pixels, tensor values or request bodies) — only shapes, sizes, counts and names.
 */

/** Every code with its HTTP status. One table, read by `ServingError` and by the infer app's `onError`. */
export const SERVING_ERROR_STATUS = {
  /** Tensor input with a wrong shape, channel count, non-finite value or wrong structure. */
  INVALID_INPUT: 400,
  /** The body is not JSON. */
  MALFORMED_JSON: 400,
  /** More images in one request than the configured maximum batch. */
  BATCH_TOO_LARGE: 400,
  /** image/png or image/jpeg bytes that do not decode as an image. */
  NOT_AN_IMAGE: 400,
  /** application/dicom bytes that are not a readable DICOM Part 10 file. */
  INVALID_DICOM: 400,
  /** A DICOM file without a Pixel Data (7FE0,0010) element. */
  NO_PIXEL_DATA: 400,
  /** A bad query parameter or header (e.g. `?version=abc`, both alias and version). */
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  /** Unknown model, alias or version (for this tenant). */
  NOT_FOUND: 404,
  /** Body larger than the configured limit. */
  PAYLOAD_TOO_LARGE: 413,
  /** A Content-Type the endpoint does not take. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** A compressed DICOM transfer syntax (the message names its UID and name). */
  UNSUPPORTED_TRANSFER_SYNTAX: 415,
  /** A DICOM pixel format this decoder does not handle (e.g. PALETTE COLOR, 32-bit samples). */
  UNSUPPORTED_DICOM: 415,
  /** Thrown by a `ModelSource` when a version's files are gone from the store; answered 503. */
  MISSING_ARTIFACT: 503,
  /** A version whose interface cannot be read right (no contract for a float input, ambiguous output, …): refused, never guessed. */
  MODEL_INTERFACE: 422,
  /** A version could not be loaded (files missing, or not a model ORT can run); the message names the version. */
  MODEL_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

/** Stable codes of {@link ServingError}. */
export type ServingErrorCode = keyof typeof SERVING_ERROR_STATUS;

/** The one error class thrown by `@medslim/serving` (and used by `packages/infer` for its HTTP errors). */
export class ServingError extends Error {
  /** Stable machine-readable reason. */
  readonly code: ServingErrorCode;
  /** HTTP status this error answers with. */
  readonly status: number;

  constructor(code: ServingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServingError';
    this.code = code;
    this.status = SERVING_ERROR_STATUS[code];
  }

  /** True when `e` is a ServingError (with `code`, if given). Works across module copies (checks `name`). */
  static is(e: unknown, code?: ServingErrorCode): e is ServingError {
    return e instanceof Error && e.name === 'ServingError' && (code === undefined || (e as ServingError).code === code);
  }
}

/**
 * The error a `ModelSource.loadModel` throws when a version's files are gone from the store.
 * @param detail what is missing, e.g. the store key (never credentials)
 */
export function missingArtifact(model: string, version: number, detail?: string): ServingError {
  return new ServingError('MISSING_ARTIFACT', `model '${model}' version ${version} is unavailable: its model file is missing from the store${detail ? ` (${detail})` : ''}`);
}
