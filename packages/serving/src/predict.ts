/**
 * The prediction core: route → session (cached) → decode → run → probabilities, with metrics.
 * Knows nothing about HTTP; `packages/infer` maps requests onto `predict` and errors onto statuses.
 */
import type { Prediction, PredictResponse } from '@medslim/contracts';
import { decodeDicom } from './decode/dicom.ts';
import { decodeImage } from './decode/image.ts';
import { decodeJson } from './decode/json.ts';
import type { DecodedInput } from './decode/pixels.ts';
import { ServingError } from './errors.ts';
import type { MetricsRegistry } from './metrics.ts';
import type { ModelInfo } from './model-info.ts';
import type { CachedSession, SessionCache } from './session-cache.ts';
import type { ModelSource } from './source.ts';

/** How a body is decoded. */
export type MediaKind = 'json' | 'image' | 'dicom';

/**
 * The kind of a Content-Type header value: application/json (any parameters) → 'json',
 * image/png and image/jpeg → 'image', application/dicom → 'dicom'; anything else → null.
 */
export function mediaKind(contentType: string | undefined | null): MediaKind | null {
  if (!contentType) return null;
  const semi = contentType.indexOf(';');
  const t = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (t === 'application/json') return 'json';
  if (t === 'image/png' || t === 'image/jpeg' || t === 'image/jpg') return 'image';
  if (t === 'application/dicom') return 'dicom';
  return null;
}

/** Content types `predict` takes (for 415 messages). */
export const SUPPORTED_MEDIA_TYPES = ['application/json', 'image/png', 'image/jpeg', 'application/dicom'] as const;

/** The answer to a request (the HTTP response body) and one image's answer: schemas in @medslim/contracts. */
export type { Prediction, PredictResponse } from '@medslim/contracts';

/** One prediction request. */
export interface PredictRequest {
  tenant: string;
  model: string;
  /** Alias to route through (default 'prod'); ignored with `version`. */
  alias?: string;
  /** Pinned version. */
  version?: number;
  /** `X-Request-Id`, for deterministic canary routing. */
  requestId?: string | null;
  kind: MediaKind;
  /** JSON text for 'json', file bytes for 'image' and 'dicom'. */
  body: string | Uint8Array;
  /** `performance.now()` when the request arrived (latencyMs and the request histogram start here). */
  startedAt: number;
}



/** What the predictor runs on. */
export interface PredictorOptions {
  source: ModelSource;
  cache: SessionCache;
  metrics: MetricsRegistry;
  /** Most images per request (default 64). */
  maxBatch?: number;
  /** Largest decoded image in pixels (default 40,000,000). */
  maxImagePixels?: number;
}

/** The session cache key of one version. */
export function sessionKey(tenant: string, model: string, version: number): string {
  return `${tenant}/${model}@${version}`;
}

/** Ties source, session cache, decoders and metrics together. */
export class Predictor {
  readonly maxBatch: number;

  constructor(private readonly opts: PredictorOptions) {
    this.maxBatch = opts.maxBatch ?? 64;
  }

  /**
   * Predict. Never logs or echoes the input.
   * @throws ServingError: 'NOT_FOUND' (model, alias or version), 'MISSING_ARTIFACT' /
   *   'MODEL_UNAVAILABLE' (503, naming the version), decoder errors (4xx), 'INTERNAL'.
   */
  async predict(r: PredictRequest): Promise<PredictResponse> {
    const target = await this.opts.source.resolveTarget(r.tenant, r.model, { alias: r.alias, version: r.version, requestId: r.requestId });
    if (!target.found) throw new ServingError('NOT_FOUND', target.message);
    const { version } = target;
    let session: CachedSession | undefined;
    try {
      const what = `model '${r.model}' version ${version}`;
      try {
        session = await this.opts.cache.acquire(sessionKey(r.tenant, r.model, version), what, () => this.opts.source.loadModel(r.tenant, r.model, version));
      } catch (e) {
        if (ServingError.is(e, 'MODEL_UNAVAILABLE') || ServingError.is(e, 'MODEL_INTERFACE')) throw e;
        const lead = ServingError.is(e, 'MISSING_ARTIFACT') ? e.message : `${what} is unavailable: its model file could not be read (${(e as Error)?.message ?? String(e)})`;
        const hint = target.alias ? `; alias '${target.alias}' routes traffic to it — point the alias at a version whose files exist, or restore them` : '';
        throw new ServingError('MODEL_UNAVAILABLE', lead + hint, { cause: e });
      }
      const info = session.info;
      const input = await this.decode(r, info);
      const result = await session.run(input.data, input.dims);
      const predictions = toPredictions(result.output, input.dims[0], info);
      const latencyMs = performance.now() - r.startedAt;
      this.opts.metrics.recordSuccess(r.tenant, r.model, version, { batch: input.dims[0], modelMs: result.modelMs, requestMs: latencyMs });
      return { model: r.model, version, alias: target.alias, predictions, latencyMs };
    } catch (e) {
      this.opts.metrics.recordError(r.tenant, r.model, version, ServingError.is(e) ? e.status : 500);
      throw e;
    } finally {
      session?.unhold();
    }
  }

  /**
   * Load (and warm up) one version ahead of traffic, e.g. at a Lambda cold start; requests arriving
   * meanwhile share the load.
   * @throws what loading throws (MISSING_ARTIFACT, MODEL_UNAVAILABLE, …).
   */
  async preload(tenant: string, model: string, version: number): Promise<void> {
    const s = await this.opts.cache.acquire(sessionKey(tenant, model, version), `model '${model}' version ${version}`, () => this.opts.source.loadModel(tenant, model, version));
    s.unhold();
  }

  private decode(r: PredictRequest, info: ModelInfo): Promise<DecodedInput> | DecodedInput {
    switch (r.kind) {
      case 'json':
        return decodeJson(typeof r.body === 'string' ? r.body : new TextDecoder().decode(r.body), info, this.maxBatch);
      case 'image':
        return decodeImage(asBytes(r.body), info, { maxPixels: this.opts.maxImagePixels });
      case 'dicom':
        return decodeDicom(asBytes(r.body), info, { maxFrames: this.maxBatch });
    }
  }
}

const asBytes = (b: string | Uint8Array): Uint8Array => (typeof b === 'string' ? new TextEncoder().encode(b) : b);

/**
 * Model output [N, K] → one prediction per row, by the output's kind (read from the graph or `medslim.output`,
 * never from its name): logits are softmaxed (in float64, max-subtracted); probabilities are used as they are
 * (never softmaxed again); log-probabilities are exponentiated. label = the most probable class (first on ties).
 * @throws ServingError 'MODEL_INTERFACE' (422) for NaN/±Infinity scores, or probabilities that do not sum to 1.
 */
export function toPredictions(output: Float32Array, n: number, info: ModelInfo): Prediction[] {
  const k = output.length / n;
  if (!Number.isInteger(k) || k < 1) throw new ServingError('INTERNAL', `the model returned ${output.length} values for a batch of ${n}`);
  const labels = info.labels ?? Array.from({ length: k }, (_, i) => String(i));
  if (labels.length !== k) throw new ServingError('INTERNAL', `the model returned ${k} classes but its metadata names ${labels.length}`);
  const out: Prediction[] = new Array(n);
  const p = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const row = i * k;
    let best = 0;
    if (info.outputKind !== 'logits') {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += p[j] = info.outputKind === 'probabilities' ? output[row + j] : Math.exp(output[row + j]);
      if (!Number.isFinite(sum) || Math.abs(sum - 1) > (info.iface.output.dtype === 'float16' ? 2e-2 : 1e-3)) {
        throw new ServingError('MODEL_INTERFACE', `the model's output '${info.outputName}' is read as ${info.outputKind} but image ${i}'s probabilities sum to ${sum}; the model cannot be served as a classifier`);
      }
    } else {
      for (let j = 0; j < k; j++) {
        if (!Number.isFinite(output[row + j])) throw new ServingError('MODEL_INTERFACE', `the model returned ${output[row + j]} for image ${i}, class ${j}`);
      }
      let max = -Infinity;
      for (let j = 0; j < k; j++) if (output[row + j] > max) max = output[row + j];
      let sum = 0;
      for (let j = 0; j < k; j++) sum += p[j] = Math.exp(output[row + j] - max);
      for (let j = 0; j < k; j++) p[j] /= sum;
    }
    const probabilities: Record<string, number> = {};
    for (let j = 0; j < k; j++) {
      probabilities[labels[j]] = p[j];
      if (p[j] > p[best]) best = j;
    }
    out[i] = { label: labels[best], probabilities };
  }
  return out;
}
