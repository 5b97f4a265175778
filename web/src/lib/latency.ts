/**
 * Served latency over time. The metrics endpoint reports current quantiles only, so the console
 * samples it while a model page is open and keeps the samples (per model, for this tab) to chart.
 */
import type { ModelMetrics } from './types.ts';

/** One poll of the metrics endpoint: request-latency p50/p95 of each version with traffic. */
export interface LatencySample {
  t: number;
  versions: Record<number, { p50: number | null; p95: number | null }>;
}

/** Samples kept per model (at one poll every 5 s: an hour). */
export const MAX_SAMPLES = 720;

const history = new Map<string, LatencySample[]>();

/** Record a metrics answer for `model` (ignored when no version has served a request). */
export function recordSample(model: string, m: ModelMetrics, t = Date.now()): LatencySample[] {
  const list = history.get(model) ?? [];
  const versions: LatencySample['versions'] = {};
  for (const v of m.versions) if (v.requests > 0) versions[v.version] = { p50: v.requestMs.p50, p95: v.requestMs.p95 };
  if (Object.keys(versions).length > 0) {
    list.push({ t, versions });
    if (list.length > MAX_SAMPLES) list.splice(0, list.length - MAX_SAMPLES);
  }
  history.set(model, list);
  return list;
}

/** Rows for a line chart: {t, v1_p50, v1_p95, v2_p50, …}, and the versions seen, ascending. */
export function latencyRows(samples: readonly LatencySample[]): { rows: Record<string, number | null>[]; versions: number[] } {
  const seen = new Set<number>();
  const rows = samples.map((s) => {
    const row: Record<string, number | null> = { t: s.t };
    for (const [v, q] of Object.entries(s.versions)) {
      seen.add(Number(v));
      row[`v${v}_p50`] = q.p50;
      row[`v${v}_p95`] = q.p95;
    }
    return row;
  });
  return { rows, versions: [...seen].sort((a, b) => a - b) };
}
