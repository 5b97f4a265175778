/**
 * Latency histogram with fixed log-spaced buckets: 16 per octave from 1 µs (0.001 ms) up to
 * 2^27 µs ≈ 134 s, plus one underflow and one overflow bucket — 434 counters, constant memory,
 * O(1) record, mergeable across versions.
 *
 * Resolution: a quantile is reported as the geometric midpoint of its bucket, clamped to the
 * exact minimum and maximum seen, so it is within ±2.2 % (2^(1/32) − 1) of a value in that bucket
 * (under 1 µs: the minimum seen; above the range: the maximum).
 */

/** Lower edge of the first bucket, ms. */
export const HISTOGRAM_MIN_MS = 0.001;
/** Buckets per doubling. */
export const BUCKETS_PER_OCTAVE = 16;
/** Doublings covered above HISTOGRAM_MIN_MS. */
export const OCTAVES = 27;
const N = OCTAVES * BUCKETS_PER_OCTAVE;

/** A latency histogram in milliseconds. */
export class LatencyHistogram {
  /** [0] underflow (< 1 µs), [1 … N] log buckets, [N + 1] overflow. */
  readonly counts = new Uint32Array(N + 2);
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  /** Record one latency in ms (negative and NaN values are ignored). */
  record(ms: number): void {
    if (!(ms >= 0)) return;
    const i = ms < HISTOGRAM_MIN_MS ? 0 : Math.min(N + 1, 1 + Math.floor(Math.log2(ms / HISTOGRAM_MIN_MS) * BUCKETS_PER_OCTAVE));
    this.counts[i]++;
    this.count++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  /** Add another histogram's counts into this one. */
  merge(o: LatencyHistogram): this {
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += o.counts[i];
    this.count += o.count;
    this.sum += o.sum;
    this.min = Math.min(this.min, o.min);
    this.max = Math.max(this.max, o.max);
    return this;
  }

  /**
   * The q-quantile (0 < q ≤ 1) in ms: the bucket holding the ⌈q·count⌉-th smallest value, reported
   * as its geometric midpoint clamped to [min, max]. null when empty.
   */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.count));
    if (rank >= this.count) return this.max;
    if (rank === 1) return this.min;
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= rank) {
        if (i === 0) return this.min; // under 1 µs: the smallest value seen
        if (i === this.counts.length - 1) return this.max; // over range: the largest
        const mid = HISTOGRAM_MIN_MS * 2 ** ((i - 1 + 0.5) / BUCKETS_PER_OCTAVE);
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }

  /** Mean in ms, or null when empty. */
  mean(): number | null {
    return this.count ? this.sum / this.count : null;
  }
}
