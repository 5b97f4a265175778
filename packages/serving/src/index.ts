/**
 * @medslim/serving — serve ONNX image classifiers: decode requests into the model's input contract,
 * keep one warm ONNX Runtime session per version, route aliases (canaries), count latency and cost.
 */

/** Errors: one class, stable codes, each with its HTTP status; the error a ModelSource throws for missing files. */
export { ServingError, SERVING_ERROR_STATUS, missingArtifact, type ServingErrorCode } from './errors.ts';

/** The seam to wherever models live: `resolveTarget` + `loadModel`. */
export { notFound, type ModelSource, type ResolveOptions, type ResolvedTarget, type NotFound } from './source.ts';
/** A ModelSource in memory (tests, bench, demos). */
export { InMemoryModelSource } from './in-memory-source.ts';

/** Canary routing: deterministic by request id (SHA-256 → [0, 1)), random without one. */
export { routeAlias, routeSalt, hashToUnit, type RouteTarget } from './route.ts';

/** Request bodies → float32 input in the model's contract (JSON tensors, PNG/JPEG via sharp, DICOM via dicom-parser). */
export { decodeJson } from './decode/json.ts';
export { decodeImage, decodeImagePixels, DEFAULT_MAX_IMAGE_PIXELS, type DecodeImageOptions } from './decode/image.ts';
export { decodeDicom, readDicomPixels, type DecodeDicomOptions, type DicomPixelInfo } from './decode/dicom.ts';
export { pixelsToInput, fitPixels, RESIZE_KERNEL, type DecodedInput } from './decode/pixels.ts';
export { transferSyntaxName, UNCOMPRESSED_TRANSFER_SYNTAXES } from './decode/transfer-syntaxes.ts';

/** A model's serving interface (names, dims, contract, labels), read once at load. */
export { describeModel, type ModelInfo } from './model-info.ts';

/** One warm ORT session per version, LRU by bytes, shared loads, warm-up, release on eviction. */
export { SessionCache, CachedSession, AUTO_TURN_BUDGET_MS, type SessionCacheOptions, type SessionFactory, type RunResult } from './session-cache.ts';

/** Latency histograms (log buckets, ±2.2 %) and per-version metrics with cost per prediction. */
export { LatencyHistogram, HISTOGRAM_MIN_MS, BUCKETS_PER_OCTAVE } from './histogram.ts';
export { MetricsRegistry, type MetricsSummary, type LatencySummary, type CostConfig } from './metrics.ts';

/** Lambda price formula (USD) and vCPUs by memory. */
export { lambdaCost, billedMs, vcpusForMemory, LAMBDA_PRICE_PER_GB_SECOND, LAMBDA_PRICE_PER_REQUEST, type Architecture, type LambdaCostInput } from './cost.ts';

/** The prediction core: route → session → decode → run → probabilities, with metrics. */
export { Predictor, toPredictions, mediaKind, sessionKey, SUPPORTED_MEDIA_TYPES, type PredictorOptions, type PredictRequest, type PredictResponse, type Prediction, type MediaKind } from './predict.ts';

/** A ModelSource on the registry (filesystem or S3 store): aliases with canary weights, sha256-checked artifacts. */
export { RegistryModelSource, ALIAS_CACHE_TTL_MS } from './registry-source.ts';
