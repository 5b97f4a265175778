/** `image/png` and `image/jpeg` bodies → the model's float input (sharp decode, then `pixelsToInput`). */
import sharp from 'sharp';
import { ServingError } from '../errors.ts';
import type { ModelInfo } from '../model-info.ts';
import { pixelsToInput, type DecodedInput } from './pixels.ts';

/** Options of {@link decodeImage}. */
export interface DecodeImageOptions {
  /** Refuse images with more pixels than this (decompression bombs); default 40,000,000 (e.g. 6,325×6,325). */
  maxPixels?: number;
}

/** Default of `DecodeImageOptions.maxPixels`. */
export const DEFAULT_MAX_IMAGE_PIXELS = 40_000_000;

/**
 * Decode one PNG or JPEG (any format sharp reads; the first page of multi-page ones) into a batch of
 * one in the model's contract:
 * 1. sharp decodes to 8-bit pixels (16-bit PNGs are reduced to 8 bits), alpha removed;
 *    1-channel models get `grayscale()` (libvips `b-w`), 3-channel models sRGB;
 * 2. resized to the model's H×W when it differs (lanczos3, fit 'fill' — see `RESIZE_KERNEL`);
 * 3. `toModelInput` applies the model's `medslim.preprocess` contract.
 * 0. a JPEG's (or PNG's) EXIF Orientation is applied first (sharp `autoOrient`), so a phone photo taken
 *    sideways arrives upright;
 * @throws ServingError 'NOT_AN_IMAGE' (bytes sharp cannot decode), 'PAYLOAD_TOO_LARGE' (more than
 *   `maxPixels`), 'INVALID_INPUT' (a model whose channel count is neither 1 nor 3).
 */
export async function decodeImage(bytes: Uint8Array, info: ModelInfo, opts: DecodeImageOptions = {}): Promise<DecodedInput> {
  const C = info.channels;
  if (C !== 1 && C !== 3) {
    throw new ServingError('INVALID_INPUT', `the model takes ${C}-channel input; images can feed 1- or 3-channel models only — send a tensor as application/json`);
  }
  const { pixels, height, width, channels } = await decodeImagePixels(bytes, C, opts);
  return pixelsToInput(pixels, 1, height, width, channels, info);
}

/**
 * Step 0–1 of {@link decodeImage}: one PNG or JPEG → 8-bit pixels `[height, width, channels]`, EXIF orientation
 * applied, alpha removed, grey when `channels` is 1, sRGB when 3. Also used by `medslim dataset`.
 * @throws ServingError 'NOT_AN_IMAGE', 'PAYLOAD_TOO_LARGE' as {@link decodeImage}.
 */
export async function decodeImagePixels(bytes: Uint8Array, C: 1 | 3, opts: DecodeImageOptions = {}): Promise<{ pixels: Uint8Array; height: number; width: number; channels: number }> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  let decoded: { data: Buffer; info: sharp.OutputInfo };
  try {
    // autoOrient: an EXIF Orientation tag (a phone photo of a film) is applied, as DICOM and PNG decoding follow their metadata.
    let img = sharp(bytes, { limitInputPixels: maxPixels, pages: 1, autoOrient: true }).removeAlpha();
    img = C === 1 ? img.grayscale() : img.toColourspace('srgb');
    decoded = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (cause) {
    const msg = (cause as Error).message ?? String(cause);
    if (/pixel limit/i.test(msg)) {
      throw new ServingError('PAYLOAD_TOO_LARGE', `the image has more than ${maxPixels} pixels, the limit; downscale it before sending`, { cause });
    }
    throw new ServingError('NOT_AN_IMAGE', `the body is not a PNG or JPEG image that can be decoded (${msg}); send the image file's bytes as they are`, { cause });
  }
  const { width, height, channels } = decoded.info;
  return { pixels: new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength), height, width, channels };
}
