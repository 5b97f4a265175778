/**
 * One ONNX Runtime session per (tenant, model, version), loaded on first use and kept warm:
 * - concurrent first requests share one load (one `loadModel`, one session);
 * - warm-up runs on load, so the first real request does not pay for ORT's lazy initialisation
 *   (and the measured run time sets the per-session run limit, see `maxConcurrentRuns`);
 * - least-recently-used eviction by bytes (the ONNX file size stands for the session's memory; ORT
 *   needs roughly that much again for weights and a few MB of arena per session) — an evicted
 *   session is released once no request holds it any more;
 * - a failed load is remembered for `failureTtlMs` so a missing version does not hit the store on
 *   every request.
 */
import * as ort from 'onnxruntime-node';
import { IntakeError, tensorValues, toInputType } from '@medslim/intake';
import { ServingError } from './errors.ts';
import { describeModel, type ModelInfo } from './model-info.ts';

/** Model time one event-loop turn may spend in runs when `maxConcurrentRuns` is 'auto', ms. */
export const AUTO_TURN_BUDGET_MS = 2;

/** Creates an ORT session from bytes (the seam tests use to count loads and releases). */
export type SessionFactory = (bytes: Uint8Array, options: ort.InferenceSession.SessionOptions) => Promise<ort.InferenceSession>;

/** Options of {@link SessionCache}. */
export interface SessionCacheOptions {
  /** Budget for the sum of cached models' ONNX sizes, in bytes. A single model larger than the budget is still served (alone). */
  budgetBytes: number;
  /** ORT intra-op threads per session (1 suits many small concurrent requests; see `vcpusForMemory`). */
  intraOpNumThreads: number;
  /**
   * Most `session.run` calls in flight per session; further calls wait in FIFO order. 0 = no limit;
   * 'auto' (default) = as many runs as fit in {@link AUTO_TURN_BUDGET_MS} of model time, from the
   * warm-up timing (1 for a ~5 ms ResNet-18, ~20 for a ~0.1 ms student), at least 1, at most 64.
   *
   * Why: onnxruntime-node 1.30 runs `session.run` synchronously on the JS thread (each deferred by
   * one `setImmediate`), so runs never overlap; all runs queued in one event-loop turn execute
   * back to back before sockets are polled again. Unlimited, 64 queued 5 ms runs make a 320 ms turn,
   * and Node then accepts about one new connection per turn — bench/serve measured connections
   * waiting 5–10 s (timeouts) at concurrency 64. Limited, each turn stays short and every
   * connection is served in turn, for the same throughput.
   */
  maxConcurrentRuns?: number | 'auto';
  /** How long a failed load is remembered before the next request tries again, in ms (default 5,000). */
  failureTtlMs?: number;
  /** Default: `ort.InferenceSession.create`. */
  createSession?: SessionFactory;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** The output of one run. */
export interface RunResult {
  /** The first output's values (e.g. logits [N, K] row-major). */
  readonly output: Float32Array;
  readonly outputDims: readonly number[];
  /**
   * ms from calling `session.run` to its result. Under concurrency this includes waiting for runs
   * queued ahead of it (onnxruntime-node runs them one at a time on the JS thread) and for a run
   * slot when runs are limited.
   */
  readonly modelMs: number;
}

/** A loaded, warmed-up session and its model's interface. */
export class CachedSession {
  /** Runs in flight (for the run limit). */
  private inflight = 0;
  /** Requests holding this session (the cache releases an evicted session when this drops to 0). */
  private holders = 0;
  private readonly waiting: (() => void)[] = [];
  /** Set by the cache; a released session is never run again. */
  evicted = false;
  private released = false;
  /** Tick of the last use (LRU order). */
  lastUsed = 0;

  constructor(
    readonly key: string,
    readonly session: ort.InferenceSession,
    readonly info: ModelInfo,
    /** Run limit (0 = none); set from the warm-up timing when the cache's option is 'auto'. */
    public runLimit: number,
  ) {}

  /**
   * Run the model on one float32 tensor in its layout.
   * @throws ServingError 'INVALID_INPUT' when ORT rejects the input (names ORT's reason), 'INTERNAL' otherwise.
   */
  async run(data: Float32Array, dims: readonly number[]): Promise<RunResult> {
    const t0 = performance.now();
    // A slot: taken now, or handed over by a finishing run (so the limit is never exceeded).
    if (this.runLimit > 0 && this.inflight >= this.runLimit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inflight++;
    try {
      // Fed as the model takes it: its element type, and its fixed batch (a batch-1 model runs image by image).
      const n = dims[0];
      const b = this.info.batch > 0 ? this.info.batch : n;
      const per = dims.slice(1).reduce((a, c) => a * c, 1);
      let output: Float32Array | null = null;
      let outputDims: number[] = [];
      let k = 0;
      for (let s = 0; s < n; s += b) {
        const count = Math.min(b, n - s);
        let chunk = data.subarray(s * per, (s + count) * per);
        if (count < b) {
          const padded = new Float32Array(b * per);
          padded.set(chunk);
          for (let r = count; r < b; r++) padded.copyWithin(r * per, (count - 1) * per, count * per);
          chunk = padded;
        }
        const out = await this.session.run({ [this.info.inputName]: new ort.Tensor(this.info.inputType, toInputType(this.info.inputType, chunk) as never, [b, ...dims.slice(1)]) }, [this.info.outputName]);
        const t = out[this.info.outputName];
        const values = tensorValues(t);
        k = t.dims.slice(1).reduce((a, c) => a * Number(c), 1);
        output ??= new Float32Array(n * k);
        for (let i = 0; i < count * k; i++) output[s * k + i] = values[i];
        outputDims = [n, ...t.dims.slice(1).map(Number)];
      }
      return { output: output ?? new Float32Array(0), outputDims, modelMs: performance.now() - t0 };
    } catch (cause) {
      if (cause instanceof ServingError) throw cause;
      if (cause instanceof IntakeError) throw new ServingError('MODEL_INTERFACE', `the model's output cannot be read: ${cause.message}`, { cause });
      const msg = (cause as Error).message ?? String(cause);
      // ORT's messages name dims and types, never values.
      if (/dimension|shape|rank|invalid/i.test(msg)) throw new ServingError('INVALID_INPUT', `the model rejected the input: ${msg}`, { cause });
      throw new ServingError('INTERNAL', `inference failed: ${msg}`, { cause });
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.inflight--;
    }
  }

  /**
   * Hold the session for one request (decode + run), so an eviction meanwhile does not release it.
   * Pair with `unhold`. Returns false (and holds nothing) when the session was already released.
   */
  hold(): boolean {
    if (this.released) return false;
    this.holders++;
    return true;
  }

  /** End a `hold`; releases the session when it was evicted and this was the last holder. */
  unhold(): void {
    this.holders--;
    if (this.evicted && this.holders === 0) void this.release();
  }

  /** Release the ORT session (idempotent; waits for nothing — call when no run is in flight). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release().catch(() => {});
  }

  /** True once the session was released. */
  get isReleased(): boolean {
    return this.released;
  }

  /** Requests holding the session now. */
  get held(): number {
    return this.holders;
  }
}

/** LRU cache of sessions, by bytes. */
export class SessionCache {
  private readonly entries = new Map<string, CachedSession>();
  private readonly loading = new Map<string, Promise<CachedSession>>();
  private readonly failures = new Map<string, { error: unknown; until: number }>();
  private bytes = 0;
  private tick = 0;
  private readonly create: SessionFactory;
  private readonly now: () => number;
  /** Sessions loaded and evicted so far (for /healthz and tests). */
  readonly counters = { loads: 0, evictions: 0 };

  constructor(readonly options: SessionCacheOptions) {
    this.create = options.createSession ?? ((bytes, opts) => ort.InferenceSession.create(bytes, opts));
    this.now = options.now ?? Date.now;
  }

  /**
   * The session for `key`, loading it with `load` on first use (concurrent callers share the load).
   * @param what how messages name the model, e.g. "model 'chest' version 4"
   * @throws whatever `load` throws (e.g. ServingError 'MISSING_ARTIFACT'), or ServingError
   *   'MODEL_UNAVAILABLE' when ORT cannot load the bytes or the model is not servable.
   */
  get(key: string, what: string, load: () => Promise<Uint8Array>): Promise<CachedSession> | CachedSession {
    const hit = this.entries.get(key);
    if (hit) {
      hit.lastUsed = ++this.tick;
      return hit;
    }
    const pending = this.loading.get(key);
    if (pending) return pending;
    const failed = this.failures.get(key);
    if (failed && failed.until > this.now()) return Promise.reject(failed.error);
    const p = this.load(key, what, load).finally(() => this.loading.delete(key));
    this.loading.set(key, p);
    return p;
  }

  /**
   * `get`, then `hold` the session for the caller (retrying if it was evicted and released in
   * between). The caller must `unhold()` when done.
   */
  async acquire(key: string, what: string, load: () => Promise<Uint8Array>): Promise<CachedSession> {
    for (;;) {
      const e = await this.get(key, what, load);
      if (e.hold()) return e;
    }
  }

  private async load(key: string, what: string, load: () => Promise<Uint8Array>): Promise<CachedSession> {
    try {
      const bytes = await load();
      let session: ort.InferenceSession;
      try {
        session = await this.create(bytes, {
          intraOpNumThreads: this.options.intraOpNumThreads,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
        });
      } catch (cause) {
        throw new ServingError('MODEL_UNAVAILABLE', `${what} could not be loaded by ONNX Runtime (${(cause as Error).message}); re-export or re-upload it`, { cause });
      }
      let entry: CachedSession;
      try {
        const info = describeModel(bytes, session, what);
        const limit = this.options.maxConcurrentRuns ?? 'auto';
        entry = new CachedSession(key, session, info, 0);
        const runMs = await warmUp(entry);
        entry.runLimit = limit !== 'auto' ? limit : runMs === null ? 1 : Math.min(64, Math.max(1, Math.floor(AUTO_TURN_BUDGET_MS / runMs)));
      } catch (e) {
        await session.release().catch(() => {});
        throw e;
      }
      this.counters.loads++;
      this.failures.delete(key);
      this.insert(entry);
      return entry;
    } catch (error) {
      const ttl = this.options.failureTtlMs ?? 5000;
      if (ttl > 0) this.failures.set(key, { error, until: this.now() + ttl });
      throw error;
    }
  }

  private insert(entry: CachedSession): void {
    entry.lastUsed = ++this.tick;
    this.entries.set(entry.key, entry);
    this.bytes += entry.info.bytes;
    while (this.bytes > this.options.budgetBytes && this.entries.size > 1) {
      let lru: CachedSession | undefined;
      for (const e of this.entries.values()) if (e !== entry && (!lru || e.lastUsed < lru.lastUsed)) lru = e;
      if (!lru) break;
      this.remove(lru);
    }
  }

  private remove(e: CachedSession): void {
    this.entries.delete(e.key);
    this.bytes -= e.info.bytes;
    this.counters.evictions++;
    e.evicted = true;
    if (e.held === 0) void e.release();
  }

  /** Drop one session (released once idle); forget a remembered failure for `key`. */
  evict(key: string): void {
    this.failures.delete(key);
    const e = this.entries.get(key);
    if (e) this.remove(e);
  }

  /** Drop every session. */
  async clear(): Promise<void> {
    for (const e of [...this.entries.values()]) this.remove(e);
    this.failures.clear();
  }

  /** Keys in least- to most-recently-used order. */
  keys(): string[] {
    return [...this.entries.values()].sort((a, b) => a.lastUsed - b.lastUsed).map((e) => e.key);
  }

  /** Sessions held and the bytes they count for, with each session's run limit. */
  stats(): { sessions: number; bytes: number; budgetBytes: number; loads: number; evictions: number; runLimits: Record<string, number> } {
    const runLimits = Object.fromEntries([...this.entries.values()].map((e) => [e.key, e.runLimit]));
    return { sessions: this.entries.size, bytes: this.bytes, budgetBytes: this.options.budgetBytes, ...this.counters, runLimits };
  }
}

/**
 * Three runs on zeros at batch 1 (or the fixed batch): the first pays ORT's lazy initialisation, the
 * faster of the other two is the model's run time. Learns the class count. Skipped (null) when H or
 * W is dynamic.
 */
async function warmUp(s: CachedSession): Promise<number | null> {
  const dims = s.info.inputDims.map((d, i) => (i === 0 ? (d > 0 ? d : 1) : d));
  if (dims.some((d) => d < 1)) return null;
  const zeros = new Float32Array(dims.reduce((a, b) => a * b, 1));
  const r = await s.run(zeros, dims);
  const k = r.outputDims.slice(1).reduce((a, b) => a * b, 1);
  if (s.info.classes < 0) s.info.classes = k;
  if (s.info.labels && s.info.labels.length !== k) {
    throw new ServingError('MODEL_INTERFACE', `${s.key}: metadata 'medslim.labels' names ${s.info.labels.length} classes but the model outputs ${k}`);
  }
  const a = await s.run(zeros, dims);
  const b = await s.run(zeros, dims);
  return Math.min(a.modelMs, b.modelMs);
}
