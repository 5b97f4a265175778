/**
 * The one error class of the registry layer (models, versions, aliases, uploads, keys, jobs).
 * `code` is stable and maps one-to-one to an HTTP status in the API's error handler; `message`
 * names the offending value and the fix.
 */

/** Stable reasons a `RegistryError` carries in `code`, with the HTTP status the API answers. */
export const REGISTRY_ERROR_STATUS = {
  /** The caller's role or tenant does not allow this, e.g. a tenant admin creating a key for another tenant (403). */
  FORBIDDEN: 403,
  /** A model, version, alias, upload or job that does not exist for this tenant (404). */
  NOT_FOUND: 404,
  /** A create of something that already exists, e.g. a model name (409). */
  ALREADY_EXISTS: 409,
  /** Input that breaks a rule: a name pattern, canary weights, a missing version in alias targets (400). */
  INVALID: 400,
  /** A stale `If-Match` ETag: someone else changed the document first (412). */
  PRECONDITION_FAILED: 412,
  /** An update of an existing document without `If-Match` (428, RFC 6585). */
  PRECONDITION_REQUIRED: 428,
  /** Promoting a version whose quality gate failed without `force: true` and a `reason` (409). */
  GATE_FAILED: 409,
  /** The request conflicts with the resource's state, e.g. cancelling a finished job (409). */
  CONFLICT: 409,
  /** A body larger than the configured limit; nothing was stored (413). */
  TOO_LARGE: 413,
  /** Stored bytes whose SHA-256 does not match what was written or recorded (500). */
  INTEGRITY: 500,
} as const;

/** One of the keys of `REGISTRY_ERROR_STATUS`. */
export type RegistryErrorCode = keyof typeof REGISTRY_ERROR_STATUS;

/**
 * Thrown by every registry operation for a reason the caller can act on.
 * Store failures (`StoreError` 'IO') are passed through unchanged.
 */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The HTTP status this error maps to (see `REGISTRY_ERROR_STATUS`). */
  get status(): number {
    return REGISTRY_ERROR_STATUS[this.code];
  }

  /** True when `err` is a `RegistryError` (with the given `code`, if one is passed). */
  static is(err: unknown, code?: RegistryErrorCode): err is RegistryError {
    return err instanceof RegistryError && (code === undefined || err.code === code);
  }
}
