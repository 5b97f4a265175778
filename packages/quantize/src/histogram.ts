/**
 * Range estimators over a histogram of activation values: percentile and entropy (KL divergence).
 * Histogram layout: `counts[b]` counts values in [lo + b·w, lo + (b+1)·w), w = (hi − lo)/bins; the last bin is closed.
 */
export interface Histogram {
  counts: Float64Array;
  lo: number;
  hi: number;
  /**
   * Leave exact zeros out. Zero is always exactly representable (the range includes 0 and the zero-point
   * is an integer), so zeros carry no quantization error; left in, the spike of zeros after a ReLU
   * dominates the KL search and pulls the entropy threshold far below the useful range.
   */
  skipZeros?: boolean;
}

/** Adds `values` to the histogram (values outside [lo, hi] go to the end bins). */
export function accumulate(h: Histogram, values: Float32Array): void {
  const bins = h.counts.length;
  const w = (h.hi - h.lo) / bins;
  if (!(w > 0)) {
    h.counts[0] += values.length;
    return;
  }
  const inv = 1 / w;
  const lo = h.lo;
  const counts = h.counts;
  const skip = h.skipZeros === true;
  for (let i = 0; i < values.length; i++) {
    if (skip && values[i] === 0) continue;
    let b = ((values[i] - lo) * inv) | 0;
    if (b < 0) b = 0;
    else if (b >= bins) b = bins - 1;
    counts[b]++;
  }
}

/**
 * Percentile range: the edges where the cumulative count reaches (100 − p)/200 and 1 − (100 − p)/200 of
 * the total (two-sided). For a non-negative tensor the lower bound is 0 (ORT: `compute_percentile`).
 */
export function percentileRange(h: Histogram, percentile: number): [number, number] {
  const bins = h.counts.length;
  const w = (h.hi - h.lo) / bins;
  let total = 0;
  for (let b = 0; b < bins; b++) total += h.counts[b];
  if (total === 0 || !(w > 0)) return [h.lo, h.hi];
  const cut = ((100 - percentile) / 200) * total;
  let acc = 0;
  let left = 0;
  for (let b = 0; b < bins; b++) {
    acc += h.counts[b];
    if (acc > cut) { left = b; break; }
  }
  acc = 0;
  let right = bins - 1;
  for (let b = bins - 1; b >= 0; b--) {
    acc += h.counts[b];
    if (acc > cut) { right = b; break; }
  }
  const lo = h.lo >= 0 ? h.lo : h.lo + left * w;
  return [lo, h.lo + (right + 1) * w];
}

/** Turns zero bins into eps and takes the mass from the non-zero ones (ORT `smooth_distribution`). Returns null when all bins are zero. */
function smooth(p: Float64Array, eps = 1e-4): Float64Array | null {
  let zeros = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === 0) zeros++;
  const nonzeros = p.length - zeros;
  if (nonzeros === 0) return null;
  const eps1 = (eps * zeros) / nonzeros;
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[i] === 0 ? eps : p[i] - eps1;
  return out;
}

/** KL(P ‖ Q) with both normalized to sum 1 (natural log), as scipy.stats.entropy(p, q). */
function klDivergence(p: Float64Array, q: Float64Array): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) { sp += p[i]; sq += q[i]; }
  let kl = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] / sp;
    if (pi > 0) kl += pi * Math.log(pi / (q[i] / sq));
  }
  return kl;
}

/**
 * KL divergence between the clipped distribution P (window [start, end) with outliers folded into its end
 * bins) and Q, P merged into `quantBins` bins and expanded back over P's non-zero bins. This is the
 * entropy calibration of TensorRT (Migacz, "8-bit Inference with TensorRT", GTC 2017) as ORT implements it.
 */
function windowKl(counts: Float64Array, start: number, end: number, quantBins: number): number {
  const len = end - start;
  const p = new Float64Array(len);
  for (let i = 0; i < len; i++) p[i] = counts[start + i];
  let leftOut = 0;
  for (let i = 0; i < start; i++) leftOut += counts[i];
  let rightOut = 0;
  for (let i = end; i < counts.length; i++) rightOut += counts[i];
  const sliced = p.slice();
  p[0] += leftOut;
  p[len - 1] += rightOut;
  const merged = Math.floor(len / quantBins);
  const q = new Float64Array(len);
  for (let k = 0; k < quantBins; k++) {
    const s = k * merged;
    const e = k === quantBins - 1 ? len : s + merged;
    let sum = 0;
    let nz = 0;
    for (let i = s; i < e; i++) { sum += sliced[i]; if (p[i] !== 0) nz++; }
    if (nz === 0) continue;
    for (let i = s; i < e; i++) if (p[i] !== 0) q[i] = sum / nz;
  }
  const ps = smooth(p);
  const qs = smooth(q);
  if (!ps || !qs) return Infinity;
  return klDivergence(ps, qs);
}

/**
 * Entropy (minimum-KL) range. For a non-negative tensor the window is [0, t] searched over t; otherwise
 * the histogram must be symmetric around 0 ([−a, a]) and the window is [−t, t].
 */
export function entropyRange(h: Histogram, quantBins: number): [number, number] {
  const bins = h.counts.length;
  const w = (h.hi - h.lo) / bins;
  if (!(w > 0)) return [h.lo, h.hi];
  let best = Infinity;
  let range: [number, number] = [h.lo, h.hi];
  if (h.lo >= 0) {
    for (let end = quantBins; end <= bins; end++) {
      const kl = windowKl(h.counts, 0, end, quantBins);
      if (kl < best) { best = kl; range = [h.lo, h.lo + end * w]; }
    }
    return range;
  }
  const zero = Math.floor(bins / 2);
  const half = Math.floor(quantBins / 2);
  for (let i = half; i <= zero; i++) {
    const start = zero - i;
    const end = Math.min(bins, zero + i + 1);
    const kl = windowKl(h.counts, start, end, quantBins);
    if (kl < best) { best = kl; range = [h.lo + start * w, h.lo + end * w]; }
  }
  return range;
}
