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
