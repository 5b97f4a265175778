/**
 * Per-(tenant, model, version) counters and latency histograms of this process, with what each
 * prediction cost under Lambda pricing. On Lambda every instance counts only its own requests;
 * the console shows the counters of the instance that answered (fleet-wide numbers: CloudWatch).
 */
import { billedMs, LAMBDA_PRICE_PER_GB_SECOND, LAMBDA_PRICE_PER_REQUEST, type Architecture } from './cost.ts';
import { LatencyHistogram } from './histogram.ts';
import type { LatencySummary, MetricsSummary } from '@medslim/contracts';

/** What `GET …/metrics` shows for one version or all versions, and its latency quantiles: schemas in @medslim/contracts. */
export type { LatencySummary, MetricsSummary } from '@medslim/contracts';

/** Pricing the cost figures use. */
export interface CostConfig {
  /** Function memory, MB. */
  memoryMb: number;
  architecture: Architecture;
  /** USD per request (default $0.20 per million). */
  pricePerRequest?: number;
  /** USD per GB-second (default by architecture). */
  pricePerGbSecond?: number;
}



const MINUTE = 60_000;

class VersionStats {
  requests = 0;
  errors = 0;
  serverErrors = 0;
  okRequests = 0;
  predictions = 0;
  /** Σ billed ms of successful requests. */
  billedMs = 0;
  readonly modelMs = new LatencyHistogram();
  readonly requestMs = new LatencyHistogram();
  /** Ring of 60 one-minute slots: minute number and request count. */
  readonly slotMinute = new Float64Array(60).fill(-1);
  readonly slotCount = new Uint32Array(60);

  tickMinute(now: number): void {
    const m = Math.floor(now / MINUTE);
    const i = m % 60;
    if (this.slotMinute[i] !== m) {
      this.slotMinute[i] = m;
      this.slotCount[i] = 0;
    }
    this.slotCount[i]++;
  }

  lastHour(now: number): number {
    const m = Math.floor(now / MINUTE);
    let n = 0;
    for (let i = 0; i < 60; i++) if (m - this.slotMinute[i] < 60 && this.slotMinute[i] >= 0) n += this.slotCount[i];
    return n;
  }
}

/** Metrics of every version this process served. */
export class MetricsRegistry {
  private readonly byModel = new Map<string, Map<number, VersionStats>>();
  private readonly now: () => number;
  /** When counting started (ISO 8601). */
  readonly since: string;

  constructor(opts: { now?: () => number } = {}) {
    this.now = opts.now ?? Date.now;
    this.since = new Date(this.now()).toISOString();
  }

  private stats(tenant: string, model: string, version: number): VersionStats {
    const key = `${tenant}\u0000${model}`;
    let versions = this.byModel.get(key);
    if (!versions) this.byModel.set(key, (versions = new Map()));
    let s = versions.get(version);
    if (!s) versions.set(version, (s = new VersionStats()));
    return s;
  }

  /** Count one successful request of `batch` predictions. */
  recordSuccess(tenant: string, model: string, version: number, sample: { batch: number; modelMs: number; requestMs: number }): void {
    const s = this.stats(tenant, model, version);
    s.requests++;
    s.okRequests++;
    s.predictions += sample.batch;
    s.billedMs += billedMs(sample.requestMs);
    s.modelMs.record(sample.modelMs);
    s.requestMs.record(sample.requestMs);
    s.tickMinute(this.now());
  }

  /** Count one request that failed after it was routed to `version`. */
  recordError(tenant: string, model: string, version: number, status: number): void {
    const s = this.stats(tenant, model, version);
    s.requests++;
    s.errors++;
    if (status >= 500) s.serverErrors++;
    s.tickMinute(this.now());
  }

  /** Versions of `model` with counters, ascending. */
  versions(tenant: string, model: string): number[] {
    return [...(this.byModel.get(`${tenant}\u0000${model}`)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /** Summary of one version, or of all versions together when `version` is undefined. */
  summary(tenant: string, model: string, version: number | undefined, cost: CostConfig): MetricsSummary {
    const versions = this.byModel.get(`${tenant}\u0000${model}`);
    const list = version === undefined ? [...(versions?.values() ?? [])] : [versions?.get(version)].filter((s): s is VersionStats => s !== undefined);
    const modelMs = new LatencyHistogram();
    const requestMs = new LatencyHistogram();
    let requests = 0, errors = 0, serverErrors = 0, okRequests = 0, predictions = 0, billed = 0, lastHour = 0;
    const now = this.now();
    for (const s of list) {
      requests += s.requests;
      errors += s.errors;
      serverErrors += s.serverErrors;
      okRequests += s.okRequests;
      predictions += s.predictions;
      billed += s.billedMs;
      lastHour += s.lastHour(now);
      modelMs.merge(s.modelMs);
      requestMs.merge(s.requestMs);
    }
    const perReq = cost.pricePerRequest ?? LAMBDA_PRICE_PER_REQUEST;
    const perGbS = cost.pricePerGbSecond ?? LAMBDA_PRICE_PER_GB_SECOND[cost.architecture];
    const usd = predictions > 0 ? (okRequests * perReq + (cost.memoryMb / 1024) * (billed / 1000) * perGbS) / predictions : null;
    const q = (h: LatencyHistogram): LatencySummary => ({ p50: h.quantile(0.5), p95: h.quantile(0.95), p99: h.quantile(0.99), mean: h.mean(), max: h.count ? h.max : null });
    return {
      requests,
      errors,
      serverErrors,
      predictions,
      requestsLastHour: lastHour,
      modelMs: q(modelMs),
      requestMs: q(requestMs),
      usdPerPrediction: usd,
      usdPer1k: usd === null ? null : usd * 1e3,
      usdPer1M: usd === null ? null : usd * 1e6,
    };
  }
}
