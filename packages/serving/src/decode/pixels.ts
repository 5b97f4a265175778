/**
 * 8-bit pixels → the model's float input, shared by the image and DICOM decoders: fit the channel
 * count and size to the model with sharp when they differ, then `toModelInput` from @medslim/data
 * (the very code the compression jobs use), so a served image is preprocessed exactly like a
 * training or evaluation image.
 */
import sharp from 'sharp';
import { ndarray, toModelInput } from '@medslim/data';
import { ServingError } from '../errors.ts';
import type { ModelInfo } from '../model-info.ts';

/** A decoded request: the float32 tensor to feed and its dims in the model's layout. */
export interface DecodedInput {
  /** Values in the model's layout (NCHW or NHWC per its contract). */
  readonly data: Float32Array;
  /** Tensor dims, e.g. [N, C, H, W]. */
  readonly dims: readonly number[];
}

/**
 * Resampling kernel when an image's size differs from the model's H×W: sharp's default `lanczos3`
 * (Lanczos a=3; libvips shrinks by box-averaging first when downscaling more than 2×, so there is no
 * aliasing), with `fit: 'fill'` — the whole image is scaled to exactly H×W, aspect ratio not kept
 * (MedMNIST-style inputs are square; crop on the client if the region of interest must keep its shape).
 */
export const RESIZE_KERNEL = 'lanczos3' as const;

/**
 * Convert `n` frames of 8-bit pixels (`[n, h, w, c]` interleaved, c = 1 or 3) to the model's input.
 * Channel fitting: c = model C passes through; gray (c = 1) feeding a C-channel model is replicated
 * into every channel (by `toModelInput`); RGB (c = 3) feeding a 1-channel model is converted with
 * sharp's `grayscale()` (libvips `b-w` colourspace: the luminance of the sRGB values).
 * @throws ServingError 'INVALID_INPUT' when the model's channel count is neither 1, 3 nor c.
 */
export async function pixelsToInput(pixels: Uint8Array, n: number, h: number, w: number, c: number, info: ModelInfo): Promise<DecodedInput> {
  const C = info.channels;
  const H = info.height > 0 ? info.height : h;
  const W = info.width > 0 ? info.width : w;
  if (c !== C && c !== 1 && !(c === 3 && C === 1)) {
    throw new ServingError('INVALID_INPUT', `the image has ${c} channels but the model takes ${C}; send a tensor as application/json instead`);
  }
  const { pixels: px, channels: outC } = await fitPixels(pixels, n, h, w, c, c === 3 && C === 1 ? 1 : c, H, W);
  const images = outC === 1 ? ndarray('uint8', [n, H, W], px) : ndarray('uint8', [n, H, W, outC], px);
  const input = toModelInput(images, info.contract, { channels: C, height: H, width: W });
  return { data: input.data, dims: input.dims };
}

/**
 * `n` frames of 8-bit pixels `[n, h, w, c]` → `[n, H, W, outC]` with sharp: RGB → grey with `grayscale()`
 * (libvips `b-w`: sRGB luminance) when outC = 1, grey → RGB replicated when outC = 3, resized with
 * {@link RESIZE_KERNEL} and fit 'fill'. Returns the input itself when nothing changes. Used by serving and by
 * `medslim dataset`, so served and training images are resampled the same way.
 * @throws ServingError 'INTERNAL' if sharp returns another size.
 */
export async function fitPixels(pixels: Uint8Array, n: number, h: number, w: number, c: number, outC: number, H: number, W: number): Promise<{ pixels: Uint8Array; channels: number }> {
  if (outC === c && H === h && W === w) return { pixels, channels: c };
  const frame = h * w * c;
  const px = new Uint8Array(n * H * W * outC);
  for (let k = 0; k < n; k++) {
    let img = sharp(pixels.subarray(k * frame, (k + 1) * frame), { raw: { width: w, height: h, channels: c as 1 | 3 } });
    // Name the output colourspace: sharp otherwise widens 1-channel results to sRGB.
    img = outC === 1 ? img.grayscale() : img.toColourspace('srgb');
    if (H !== h || W !== w) img = img.resize(W, H, { fit: 'fill', kernel: RESIZE_KERNEL });
    const { data, info: got } = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (got.channels !== outC || got.width !== W || got.height !== H) {
      throw new ServingError('INTERNAL', `resampling produced ${got.width}×${got.height}×${got.channels}, expected ${W}×${H}×${outC}`);
    }
    px.set(data, k * H * W * outC);
  }
  return { pixels: px, channels: outC };
}
