/**
 * A bounded cache with time-to-live: least-recently-used eviction by entry count and, optionally, by
 * bytes (`sizeOf`). Every cache of the API and the inference function that is keyed by client input
 * (API keys, alias names) uses it, so none can grow without bound.
 */

/** Options of `TtlCache`. */
export interface TtlCacheOptions<V> {
  /** Most entries kept (≥ 1). */
  maxEntries: number;
  /** Most bytes kept, as `sizeOf` counts them (default: no byte bound). */
  maxBytes?: number;
  /** Size of one entry in bytes (key + value); needed with `maxBytes`. */
  sizeOf?: (key: string, value: V) => number;
  /** Clock in ms (tests). Default `Date.now`. */
  now?: () => number;
}

/** A string-keyed LRU whose entries expire `ttlMs` after they were set. */
export class TtlCache<V> {
  private readonly map = new Map<string, { value: V; until: number; bytes: number }>();
  private bytes = 0;
  private readonly now: () => number;

  constructor(private readonly opts: TtlCacheOptions<V>) {
    if (!(opts.maxEntries >= 1)) throw new RangeError('TtlCache: maxEntries must be at least 1');
    this.now = opts.now ?? Date.now;
  }

  /** The live value of `key`, or `undefined` (missing or expired; an expired entry is dropped). */
  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    if (hit.until <= this.now()) {
      this.delete(key);
      return undefined;
    }
    // Most recently used goes last (Map keeps insertion order).
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }

  /** Keep `value` under `key` for `ttlMs` (≤ 0: not kept), evicting the least recently used entries over the bounds. */
  set(key: string, value: V, ttlMs: number): void {
    this.delete(key);
    if (!(ttlMs > 0)) return;
    const bytes = this.opts.sizeOf ? this.opts.sizeOf(key, value) : 0;
    if (this.opts.maxBytes !== undefined && bytes > this.opts.maxBytes) return;
    this.map.set(key, { value, until: this.now() + ttlMs, bytes });
    this.bytes += bytes;
    while (this.map.size > this.opts.maxEntries || (this.opts.maxBytes !== undefined && this.bytes > this.opts.maxBytes)) {
      this.delete(this.map.keys().next().value as string);
    }
  }

  /** Forget `key`. */
  delete(key: string): void {
    const hit = this.map.get(key);
    if (!hit) return;
    this.bytes -= hit.bytes;
    this.map.delete(key);
  }

  /** Forget everything. */
  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }

  /** Entries held (expired ones included until they are touched or evicted). */
  get size(): number {
    return this.map.size;
  }

  /** Bytes held, as `sizeOf` counts them. */
  get byteSize(): number {
    return this.bytes;
  }
}
