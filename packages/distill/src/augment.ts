/**
 * Training-time augmentation on NHWC float32 batches (already in the model's contract): random horizontal flips
 * and small random shifts (zero-filled with `fill`, the contract's value for a black pixel). Runs in JS on the
 * CPU before upload — cheap at 28×28 and identical on every backend.
 */
export interface AugmentOptions {
  flip: boolean;
  /** Maximum shift in pixels along each axis (0 = none). */
  maxShift: number;
  /** Per-channel fill value for pixels shifted in (the contract's value for pixel 0). */
  fill: number[];
}

/**
 * Copies image `src` (H×W×C at offset `si` of `from`) into `to` at `di`, flipped and shifted by (dy, dx).
 */
export function copyAugmented(from: Float32Array, si: number, to: Float32Array, di: number, h: number, w: number, c: number, flip: boolean, dy: number, dx: number, fill: number[]): void {
  for (let y = 0; y < h; y++) {
    const sy = y - dy;
    for (let x = 0; x < w; x++) {
      const xx = x - dx;
      const sx = flip ? w - 1 - xx : xx;
      const d = di + (y * w + x) * c;
      if (sy < 0 || sy >= h || xx < 0 || xx >= w) {
        for (let k = 0; k < c; k++) to[d + k] = fill[k] ?? fill[0];
      } else {
        const s = si + (sy * w + sx) * c;
        for (let k = 0; k < c; k++) to[d + k] = from[s + k];
      }
    }
  }
}

/**
 * A draw from Beta(a, a) with the uniform generator `r` (values in [0, 1)): the mixing weight λ of mixup
 * (Zhang et al. 2018, "mixup: Beyond empirical risk minimization"). Beta(1, 1) is uniform; a < 1 puts the weight
 * near 0 and 1 (mostly one image), a > 1 near 0.5. Gamma draws by Marsaglia & Tsang (2000), boosted for a < 1;
 * normals by Box–Muller. Deterministic for a given `r`.
 * @throws RangeError when a is not a positive finite number.
 */
export function sampleBeta(a: number, r: () => number): number {
  if (!(a > 0) || !Number.isFinite(a)) throw new RangeError(`the Beta concentration must be a positive number; got ${a}`);
  if (a === 1) return r();
  const x = sampleGamma(a, r);
  const y = sampleGamma(a, r);
  return x + y > 0 ? x / (x + y) : 0.5;
}

function sampleGamma(a: number, r: () => number): number {
  if (a < 1) return sampleGamma(a + 1, r) * Math.pow(1 - r(), 1 / a); // 1 − r() ∈ (0, 1]
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    const v = (1 + c * z) ** 3;
    if (v <= 0) continue;
    const u = 1 - r();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** `to[di…]` ← λ·`to[di…]` + (1 − λ)·`other[oi…]` over `len` values (mixup of two images in the same contract). */
export function mixInto(to: Float32Array, di: number, other: Float32Array, oi: number, len: number, lambda: number): void {
  const mu = 1 - lambda;
  for (let i = 0; i < len; i++) to[di + i] = lambda * to[di + i] + mu * other[oi + i];
}

/**
 * Photometric jitter of one H×W×C image in place, in the model's contract (linear in the raw pixels):
 * brightness as a gain around black, x ← fill + g·(x − fill) (the raw pixels multiplied by g), then contrast
 * around the image's per-channel mean m, x ← m + f·(x − m). g = f = 1 leaves the image unchanged.
 */
export function jitterInPlace(to: Float32Array, di: number, h: number, w: number, c: number, gain: number, contrast: number, fill: number[]): void {
  const n = h * w;
  for (let k = 0; k < c; k++) {
    const f0 = fill[k] ?? fill[0];
    let mean = 0;
    for (let p = 0; p < n; p++) {
      const i = di + p * c + k;
      to[i] = f0 + gain * (to[i] - f0);
      mean += to[i];
    }
    mean /= n;
    if (contrast !== 1) for (let p = 0; p < n; p++) { const i = di + p * c + k; to[i] = mean + contrast * (to[i] - mean); }
  }
}
