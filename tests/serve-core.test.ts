/**
 * Serving building blocks: canary routing, the Lambda cost formula, latency histograms, metrics,
 * and the session cache (shared loads, LRU eviction by bytes, release, remembered failures).
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { setMetadata, writeModel } from '@medslim/onnx';
import { tinyResNet } from '@medslim/onnx/testing';
import {
  hashToUnit,
  InMemoryModelSource,
  lambdaCost,
  LatencyHistogram,
  MetricsRegistry,
  routeAlias,
  ServingError,
  SessionCache,
  vcpusForMemory,
  type SessionFactory,
} from '@medslim/serving';

describe('routeAlias', () => {
  const canary = [{ version: 3, weight: 0.9 }, { version: 4, weight: 0.1 }];

  it('a 10 % canary gets 10 % ± 2 % of 5,000 distinct request ids', () => {
    let v4 = 0;
    for (let i = 0; i < 5000; i++) if (routeAlias(canary, `req-${i}`) === 4) v4++;
    expect(v4 / 5000).toBeGreaterThanOrEqual(0.08);
    expect(v4 / 5000).toBeLessThanOrEqual(0.12);
  });

  it('the same request id always gets the same version; the hash is SHA-256 based and stable', () => {
    for (const id of ['a', 'retry-me', '550e8400-e29b-41d4-a716-446655440000']) {
      const first = routeAlias(canary, id);
      for (let i = 0; i < 50; i++) expect(routeAlias(canary, id)).toBe(first);
    }
    // sha256("a") = ca978112ca1b…: first 48 bits / 2^48
    expect(hashToUnit('a')).toBe(0xca978112ca1b / 2 ** 48);
  });

  it('without an id the draw is random; weight-0 targets are never chosen; one target is always chosen', () => {
    expect(routeAlias(canary, null, () => 0.95)).toBe(4);
    expect(routeAlias(canary, undefined, () => 0.5)).toBe(3);
    const off = [{ version: 1, weight: 0 }, { version: 2, weight: 1 }];
    for (let i = 0; i < 200; i++) expect(routeAlias(off, `id-${i}`)).toBe(2);
    expect(routeAlias([{ version: 7, weight: 1 }], 'x')).toBe(7);
  });
});

describe('lambdaCost and vcpusForMemory', () => {
  it('512 MB x86_64, billed 3 ms, batch 1 → 2.2500005e-7 USD per prediction', () => {
    const usd = lambdaCost({ memoryMb: 512, architecture: 'x86_64', billedMs: 3, batch: 1 });
    expect(usd).toBeCloseTo(0.2e-6 + 0.5 * 0.003 * 0.0000166667, 18);
    expect(Math.abs(usd - 2.2500005e-7) / 2.2500005e-7).toBeLessThan(1e-12);
  });

  it('rounds the duration up to whole ms (at least 1), divides by the batch, prices arm64 lower', () => {
    const at = (ms: number, o: object = {}) => lambdaCost({ memoryMb: 1024, architecture: 'x86_64', billedMs: ms, ...o });
    expect(at(2.01)).toBe(at(3));
    expect(at(0.2)).toBe(at(1));
    expect(at(3, { batch: 8 })).toBeCloseTo(at(3) / 8, 18);
    expect(lambdaCost({ memoryMb: 1024, architecture: 'arm64', billedMs: 10 })).toBeCloseTo(0.2e-6 + 0.01 * 0.0000133334, 18);
    expect(at(3, { pricePerRequest: 0, pricePerGbSecond: 1 })).toBeCloseTo(0.003, 15);
    expect(() => lambdaCost({ memoryMb: 0, architecture: 'x86_64', billedMs: 1 })).toThrow(RangeError);
  });

  it('1 vCPU per 1,769 MB, at least 1, at most 6', () => {
    expect([128, 512, 1769, 3008, 3538, 5307, 10240, 20000].map(vcpusForMemory)).toEqual([1, 1, 1, 2, 2, 3, 6, 6]);
  });
});

describe('LatencyHistogram', () => {
  it('quantiles within ±2.2 % of the exact ones', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 10); // 0.1 … 100 ms
    for (const [q, exact] of [[0.5, 50], [0.95, 95], [0.99, 99]] as const) {
      expect(Math.abs(h.quantile(q)! - exact) / exact).toBeLessThan(0.022);
    }
    expect(h.count).toBe(1000);
    expect(h.mean()).toBeCloseTo(50.05, 10);
  });

  it('clamps to the exact min/max, handles sub-µs values, merges, and is empty → null', () => {
    const h = new LatencyHistogram();
    expect(h.quantile(0.5)).toBeNull();
    h.record(0.0001);
    h.record(2);
    expect(h.quantile(0.01)).toBe(0.0001);
    expect(h.quantile(1)).toBe(2);
    const g = new LatencyHistogram();
    g.record(3);
    expect(g.merge(h).count).toBe(3);
    expect(g.quantile(1)).toBe(3);
  });
});

describe('MetricsRegistry', () => {
  it('counts requests, errors and predictions per version and over all; cost from the billed ms of each request', () => {
    let now = Date.UTC(2025, 0, 1, 12, 0, 0);
    const m = new MetricsRegistry({ now: () => now });
    m.recordSuccess('t', 'chest', 1, { batch: 1, modelMs: 0.5, requestMs: 2.2 }); // billed 3 ms
    m.recordSuccess('t', 'chest', 1, { batch: 3, modelMs: 1.5, requestMs: 3 }); // billed 3 ms
    m.recordError('t', 'chest', 1, 400);
    m.recordError('t', 'chest', 2, 503);
    const cost = { memoryMb: 512, architecture: 'x86_64' as const };
    const v1 = m.summary('t', 'chest', 1, cost);
    expect(v1).toMatchObject({ requests: 3, errors: 1, serverErrors: 0, predictions: 4, requestsLastHour: 3 });
    const perRequest = 0.2e-6 + 0.5 * 0.003 * 0.0000166667;
    expect(v1.usdPerPrediction).toBeCloseTo((2 * perRequest) / 4, 18);
    expect(v1.usdPer1M).toBeCloseTo(((2 * perRequest) / 4) * 1e6, 10);
    expect(v1.usdPer1k).toBeCloseTo(((2 * perRequest) / 4) * 1e3, 13);
    expect(v1.modelMs.p50).toBeCloseTo(0.5, 1);
    const all = m.summary('t', 'chest', undefined, cost);
    expect(all).toMatchObject({ requests: 4, errors: 2, serverErrors: 1, predictions: 4 });
    expect(m.versions('t', 'chest')).toEqual([1, 2]);
    expect(m.summary('other', 'chest', undefined, cost)).toMatchObject({ requests: 0, usdPerPrediction: null });
    // The rolling hour forgets requests older than 60 minutes.
    now += 59 * 60_000;
    expect(m.summary('t', 'chest', undefined, cost).requestsLastHour).toBe(4);
    now += 2 * 60_000;
    m.recordSuccess('t', 'chest', 1, { batch: 1, modelMs: 1, requestMs: 1 });
    expect(m.summary('t', 'chest', undefined, cost).requestsLastHour).toBe(1);
  });
});

describe('SessionCache', () => {
  const CONTRACT = '{"layout":"NCHW","scale":0.00392156862745098,"mean":[0],"std":[1]}';
  const model = (seed: number, classes = 2, metadata: Record<string, string> = { 'medslim.preprocess': CONTRACT }) => {
    const m = tinyResNet({ channels: 1, classes, size: 8, seed });
    setMetadata(m, metadata);
    return writeModel(m);
  };
  /** A factory that counts sessions created and released. */
  function counting(): { factory: SessionFactory; created: number; released: number } {
    const c = {
      created: 0,
      released: 0,
      factory: (async (bytes, opts) => {
        const s = await ort.InferenceSession.create(bytes, opts);
        c.created++;
        const release = s.release.bind(s);
        (s as { release: () => Promise<void> }).release = async () => {
          c.released++;
          await release();
        };
        return s;
      }) as SessionFactory,
    };
    return c;
  }

  it('concurrent first requests share one load and one session', async () => {
    const c = counting();
    const source = new InMemoryModelSource().addVersion({ model: 'm', version: 1, bytes: model(1) });
    const cache = new SessionCache({ budgetBytes: 1e9, intraOpNumThreads: 1, createSession: c.factory });
    const got = await Promise.all(Array.from({ length: 10 }, () => cache.acquire('default/m@1', 'm v1', () => source.loadModel('default', 'm', 1))));
    expect(new Set(got).size).toBe(1);
    expect(source.loads.get('default/m@1')).toBe(1);
    expect(c.created).toBe(1);
    expect(got[0].info).toMatchObject({ inputName: 'input', outputName: 'logits', inputDims: [-1, 1, 8, 8], channels: 1, classes: 2 });
    got.forEach((s) => s.unhold());
  });

  it('evicts the least recently used sessions when the bytes exceed the budget, releasing them', async () => {
    const c = counting();
    const bytes = [model(1), model(2), model(3)];
    const size = bytes[0].byteLength;
    const cache = new SessionCache({ budgetBytes: size * 2 + 10, intraOpNumThreads: 1, createSession: c.factory });
    const get = async (i: number) => (await cache.acquire(`k${i}`, `v${i}`, async () => bytes[i])).unhold();
    await get(0);
    await get(1);
    await get(0); // 0 is now more recent than 1
    await get(2); // over budget → evict 1
    expect(cache.keys()).toEqual(['k0', 'k2']);
    expect(cache.stats()).toMatchObject({ sessions: 2, bytes: size * 2, evictions: 1, loads: 3 });
    await new Promise((r) => setTimeout(r, 10));
    expect(c.released).toBe(1);
    await get(1); // loads again, evicting 0
    expect(cache.keys()).toEqual(['k2', 'k1']);
    expect(c.created).toBe(4);
  });

  it('a session held by a request is released only when the request lets go', async () => {
    const c = counting();
    const bytes = [model(1), model(2)];
    const cache = new SessionCache({ budgetBytes: bytes[0].byteLength + 1, intraOpNumThreads: 1, createSession: c.factory });
    const held = await cache.acquire('a', 'a', async () => bytes[0]);
    (await cache.acquire('b', 'b', async () => bytes[1])).unhold(); // evicts 'a' while held
    await new Promise((r) => setTimeout(r, 10));
    expect(c.released).toBe(0);
    const r = await held.run(new Float32Array(64), [1, 1, 8, 8]);
    expect(r.output.length).toBe(2);
    held.unhold();
    await new Promise((r) => setTimeout(r, 10));
    expect(c.released).toBe(1);
  });

  it('remembers a failed load for failureTtlMs, then tries again', async () => {
    let now = 0;
    const source = new InMemoryModelSource().addVersion({ model: 'm', version: 1, bytes: null });
    const cache = new SessionCache({ budgetBytes: 1e9, intraOpNumThreads: 1, failureTtlMs: 1000, now: () => now });
    const load = () => cache.acquire('default/m@1', 'm v1', () => source.loadModel('default', 'm', 1));
    await expect(load()).rejects.toSatisfy((e: unknown) => ServingError.is(e, 'MISSING_ARTIFACT'));
    await expect(load()).rejects.toSatisfy((e: unknown) => ServingError.is(e, 'MISSING_ARTIFACT'));
    expect(source.loads.get('default/m@1')).toBe(1);
    source.addVersion({ model: 'm', version: 1, bytes: model(1) });
    now = 1001;
    (await load()).unhold();
    expect(source.loads.get('default/m@1')).toBe(2);
  });

  it('a float model without a contract is refused with 422 MODEL_INTERFACE naming medslim.preprocess — never served under a guessed contract', async () => {
    const cache = new SessionCache({ budgetBytes: 1e9, intraOpNumThreads: 1 });
    const err = await cache.acquire('x', "model 'm' version 2", async () => model(1, 2, {})).catch((e: unknown) => e);
    expect(ServingError.is(err, 'MODEL_INTERFACE')).toBe(true);
    expect((err as ServingError).status).toBe(422);
    expect((err as Error).message).toMatch(/model 'm' version 2 cannot be served: its float input 'input' carries no preprocessing contract \(metadata medslim\.preprocess\)/);
    // The same model with its contract loads.
    (await cache.acquire('y', "model 'm' version 3", async () => model(1))).unhold();
  });

  it('bytes ORT cannot load → MODEL_UNAVAILABLE naming the model', async () => {
    const cache = new SessionCache({ budgetBytes: 1e9, intraOpNumThreads: 1 });
    await expect(cache.acquire('x', "model 'm' version 9", async () => new TextEncoder().encode('garbage'))).rejects.toSatisfy(
      (e: unknown) => ServingError.is(e, 'MODEL_UNAVAILABLE') && /model 'm' version 9 could not be loaded/.test((e as Error).message),
    );
  });

  it("'auto' run limit: a model that takes ≥ 2 ms per run gets 1; an explicit limit is kept", async () => {
    const slow: SessionFactory = async (bytes, opts) => {
      const s = await ort.InferenceSession.create(bytes, opts);
      const run = s.run.bind(s);
      (s as { run: typeof run }).run = (async (...a: Parameters<typeof run>) => {
        await new Promise((r) => setTimeout(r, 3));
        return run(...a);
      }) as typeof run;
      return s;
    };
    const auto = new SessionCache({ budgetBytes: 1e9, intraOpNumThreads: 1, createSession: slow });
    const a = await auto.acquire('slow', 'slow', async () => model(1));
    expect(a.runLimit).toBe(1);
    a.unhold();
    const fixed = new SessionCache({ budgetBytes: 1e9, intraOpNumThreads: 1, maxConcurrentRuns: 5 });
    const f = await fixed.acquire('f', 'f', async () => model(1));
    expect(f.runLimit).toBe(5);
    expect(fixed.stats().runLimits).toEqual({ f: 5 });
    f.unhold();
  });

  it('limits concurrent runs per session when asked (FIFO), without changing results', async () => {
    const cache = new SessionCache({ budgetBytes: 1e9, intraOpNumThreads: 1, maxConcurrentRuns: 1 });
    const s = await cache.acquire('k', 'k', async () => model(1));
    const outs = await Promise.all(Array.from({ length: 8 }, (_, i) => s.run(new Float32Array(64).fill(i / 8), [1, 1, 8, 8])));
    const again = await s.run(new Float32Array(64).fill(3 / 8), [1, 1, 8, 8]);
    expect(Array.from(outs[3].output)).toEqual(Array.from(again.output));
    s.unhold();
  });
});
