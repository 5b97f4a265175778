import { describe, expect, it } from 'vitest';
import { latencyRows, MAX_SAMPLES, recordSample } from './latency.ts';
import type { MetricsSummary, ModelMetrics } from './types.ts';

const summary = (requests: number, p50: number | null, p95: number | null): MetricsSummary => ({
  requests,
  errors: 0,
  serverErrors: 0,
  predictions: requests,
  requestsLastHour: requests,
  modelMs: { p50, p95, p99: p95, mean: p50, max: p95 },
  requestMs: { p50, p95, p99: p95, mean: p50, max: p95 },
  usdPerPrediction: null,
  usdPer1k: null,
  usdPer1M: null,
});
const metrics = (versions: [number, number, number | null, number | null][]): ModelMetrics => ({
  model: 'm',
  since: '2026-01-01T00:00:00Z',
  pricing: { memoryMb: 3008, architecture: 'x86_64', pricePerRequest: 0.2e-6, pricePerGbSecond: 0.0000166667, currency: 'USD', formula: 'test' },
  all: summary(0, null, null),
  versions: versions.map(([version, n, p50, p95]) => ({ version, ...summary(n, p50, p95) })),
});

describe('served latency over time', () => {
  it('keeps one sample per poll with traffic, as chart rows per version', () => {
    recordSample('lat-a', metrics([]), 1000); // nothing served yet: no sample
    recordSample('lat-a', metrics([[1, 3, 2.5, 4]]), 2000);
    const samples = recordSample('lat-a', metrics([[1, 5, 2.6, 4.2], [2, 1, 1.1, 1.1], [3, 0, null, null]]), 3000);
    expect(latencyRows(samples)).toEqual({
      rows: [
        { t: 2000, v1_p50: 2.5, v1_p95: 4 },
        { t: 3000, v1_p50: 2.6, v1_p95: 4.2, v2_p50: 1.1, v2_p95: 1.1 },
      ],
      versions: [1, 2],
    });
  });
  it(`keeps at most ${MAX_SAMPLES} samples per model`, () => {
    let s: ReturnType<typeof recordSample> = [];
    for (let i = 0; i < MAX_SAMPLES + 5; i++) s = recordSample('lat-b', metrics([[1, 1, i, i]]), i);
    expect(s).toHaveLength(MAX_SAMPLES);
    expect(s[0].t).toBe(5);
  });
});
