/**
 * `ModelSource`: the seam between serving and wherever models live (the registry on S3 or the
 * filesystem, or memory in tests and the bench). Two calls, nothing else:
 * - `resolveTarget` turns (model, alias | version, request id) into the version to run;
 * - `loadModel` returns that version's ONNX bytes.
 * A registry-backed source reads the alias document's `targets` and calls `routeAlias` with the
 * request id; it should cache alias documents for a few seconds, since `resolveTarget` runs on
 * every request (loads are cached by the `SessionCache`, so `loadModel` runs once per version).
 */

/** What the caller asked for: an alias (default 'prod'), or a pinned version. */
export interface ResolveOptions {
  /** Alias name; ignored when `version` is given. */
  alias?: string;
  /** Pinned version (integer ≥ 1). */
  version?: number;
  /** The request's `X-Request-Id`, for deterministic canary routing (`routeAlias`). */
  requestId?: string | null;
}

/** The version a request runs on. `alias` is null when the version was pinned. */
export interface ResolvedTarget {
  readonly found: true;
  readonly version: number;
  readonly alias: string | null;
}

/** Nothing to serve: unknown model, alias or version (answered 404 with `message`). */
export interface NotFound {
  readonly found: false;
  /** What is missing, e.g. "alias 'prod' of model 'chest' not found". Never includes other tenants' names. */
  readonly message: string;
}

/** Where serving gets models from. */
export interface ModelSource {
  /** The version to run for `model` of `tenant`, or NotFound. */
  resolveTarget(tenant: string, model: string, opts: ResolveOptions): Promise<ResolvedTarget | NotFound> | ResolvedTarget | NotFound;
  /**
   * The ONNX bytes of one version.
   * @throws ServingError 'MISSING_ARTIFACT' (see `missingArtifact`) when the version exists but its
   *   model file is gone — answered 503 naming the version; other errors are answered 503 too.
   */
  loadModel(tenant: string, model: string, version: number): Promise<Uint8Array>;
}

/** A NotFound value. */
export function notFound(message: string): NotFound {
  return { found: false, message };
}
