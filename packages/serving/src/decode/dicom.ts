/**
 * `application/dicom` bodies (DICOM Part 10 files) → the model's float input.
 *
 * Reads uncompressed pixel data only (Implicit VR Little Endian, Explicit VR Little Endian,
 * Explicit VR Big Endian); any other transfer syntax is refused with 415 naming its UID and name.
 * Each frame becomes one batch element (NumberOfFrames > 1 → a batch). Monochrome pixels go
 * through the DICOM grayscale pipeline to 8 bits, then `pixelsToInput` (→ `toModelInput`):
 *
 *   stored value  → masked to BitsStored, sign-extended when PixelRepresentation = 1
 *   modality      = stored × RescaleSlope + RescaleIntercept            (defaults 1, 0)
 *   8-bit value   = VOI window (first WindowCenter/WindowWidth value, PS3.3 C.11.2.1.2.1 linear)
 *                   when both are present; else, for 8-bit unsigned data with identity rescale,
 *                   the stored value itself (it is already 8-bit); else min–max of the frame
 *                   scaled to 0…255 (a constant frame → 0); rounded half up
 *   MONOCHROME1   → 255 − value (low values display white)
 *
 * RGB (SamplesPerPixel 3, 8 bits) with PlanarConfiguration 0 (RGBRGB…) or 1 (RR…GG…BB…).
 * HighBit is assumed to be BitsStored − 1 (the usual encoding).
 */
import { createRequire } from 'node:module';
import type * as DicomParser from 'dicom-parser';
import { ServingError } from '../errors.ts';
import type { ModelInfo } from '../model-info.ts';
import { pixelsToInput, type DecodedInput } from './pixels.ts';
import { transferSyntaxName, UNCOMPRESSED_TRANSFER_SYNTAXES } from './transfer-syntaxes.ts';

// dicom-parser ships a UMD bundle whose typings declare only named exports; require gives the real object.
const dicomParser = createRequire(import.meta.url)('dicom-parser') as typeof DicomParser;

const BIG_ENDIAN = '1.2.840.10008.1.2.2';

/** Options of {@link decodeDicom}. */
export interface DecodeDicomOptions {
  /** Most frames one file may carry (each is a batch element); default 64. */
  maxFrames?: number;
}

/** The pixel description a DICOM file gives (exported for tests and tools). */
export interface DicomPixelInfo {
  transferSyntax: string;
  rows: number;
  columns: number;
  frames: number;
  samplesPerPixel: number;
  photometric: string;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  planarConfiguration: number;
  slope: number;
  intercept: number;
  window: { center: number; width: number } | null;
}

const text = (e: unknown): string => (typeof e === 'string' ? e : ((e as Error)?.message ?? String(e)));

/**
 * Decode a DICOM Part 10 file into 8-bit frames `[n, rows, columns, c]` (c = 1 or 3).
 * @throws ServingError 'INVALID_DICOM' (not Part 10, truncated, missing Rows/Columns, short pixel
 *   data), 'NO_PIXEL_DATA', 'UNSUPPORTED_TRANSFER_SYNTAX' (415, names UID and name),
 *   'UNSUPPORTED_DICOM' (415: photometric interpretation, bit depth or samples not handled),
 *   'BATCH_TOO_LARGE' (more frames than `maxFrames`).
 */
export function readDicomPixels(bytes: Uint8Array, opts: DecodeDicomOptions = {}): { pixels: Uint8Array; info: DicomPixelInfo; channels: number } {
  let header: DicomParser.DataSet;
  try {
    header = dicomParser.readPart10Header(bytes);
  } catch (e) {
    throw new ServingError('INVALID_DICOM', `the body is not a DICOM Part 10 file (${text(e)}); send the .dcm file's bytes as they are, with its 128-byte preamble and 'DICM' prefix`);
  }
  const ts = header.string('x00020010')?.replace(/\0/g, '').trim();
  if (!ts) throw new ServingError('INVALID_DICOM', 'the DICOM file meta information has no Transfer Syntax UID (0002,0010)');
  if (!Object.hasOwn(UNCOMPRESSED_TRANSFER_SYNTAXES, ts)) {
    const accepted = Object.entries(UNCOMPRESSED_TRANSFER_SYNTAXES).map(([uid, name]) => `${uid} (${name})`).join(', ');
    throw new ServingError(
      'UNSUPPORTED_TRANSFER_SYNTAX',
      `DICOM transfer syntax ${ts} (${transferSyntaxName(ts)}) is not supported: only uncompressed pixel data is read — ${accepted}; decompress the file first (e.g. 'gdcmconv --raw in.dcm out.dcm' or 'dcmdjpeg in.dcm out.dcm')`,
    );
  }
  let ds: DicomParser.DataSet;
  try {
    ds = dicomParser.parseDicom(bytes);
  } catch (e) {
    throw new ServingError('INVALID_DICOM', `the DICOM data set could not be parsed (${text(e)}); the file may be truncated`);
  }
  const pixel = ds.elements.x7fe00010;
  if (!pixel) throw new ServingError('NO_PIXEL_DATA', 'the DICOM file has no Pixel Data (7FE0,0010) element; send an image object (e.g. CR, DX, CT), not a report or a structured document');
  if (pixel.encapsulatedPixelData) {
    throw new ServingError('UNSUPPORTED_TRANSFER_SYNTAX', `the DICOM pixel data is encapsulated (compressed) although the transfer syntax ${ts} says uncompressed; decompress the file first`);
  }
  const rows = ds.uint16('x00280010') ?? 0;
  const columns = ds.uint16('x00280011') ?? 0;
  if (!(rows > 0 && columns > 0)) throw new ServingError('INVALID_DICOM', `the DICOM file has Rows = ${rows} and Columns = ${columns}; both must be present and > 0`);
  const spp = ds.uint16('x00280002') ?? 1;
  const photometric = (ds.string('x00280004') ?? (spp === 3 ? 'RGB' : 'MONOCHROME2')).trim().toUpperCase();
  const bitsAllocated = ds.uint16('x00280100') ?? 0;
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  const signed = (ds.uint16('x00280103') ?? 0) === 1;
  const planar = ds.uint16('x00280006') ?? 0;
  const frames = ds.intString('x00280008') ?? 1;
  const slope = ds.floatString('x00281053') ?? 1;
  const intercept = ds.floatString('x00281052') ?? 0;
  const center = ds.floatString('x00281050', 0);
  const width = ds.floatString('x00281051', 0);
  const window = center !== undefined && width !== undefined && Number.isFinite(center) && Number.isFinite(width) && width >= 1 ? { center, width } : null;
  const info: DicomPixelInfo = {
    transferSyntax: ts, rows, columns, frames, samplesPerPixel: spp, photometric, bitsAllocated, bitsStored, signed,
    planarConfiguration: planar, slope: Number.isFinite(slope) ? slope : 1, intercept: Number.isFinite(intercept) ? intercept : 0, window,
  };

  const mono = photometric === 'MONOCHROME1' || photometric === 'MONOCHROME2';
  if (!(mono && spp === 1) && !(photometric === 'RGB' && spp === 3)) {
    throw new ServingError('UNSUPPORTED_DICOM', `DICOM photometric interpretation ${photometric} with ${spp} sample(s) per pixel is not supported; MONOCHROME1, MONOCHROME2 (1 sample) and RGB (3 samples) are`);
  }
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw new ServingError('UNSUPPORTED_DICOM', `DICOM BitsAllocated = ${bitsAllocated} is not supported; 8 or 16 bits are`);
  }
  if (photometric === 'RGB' && bitsAllocated !== 8) {
    throw new ServingError('UNSUPPORTED_DICOM', `RGB DICOM with BitsAllocated = ${bitsAllocated} is not supported; RGB must be 8 bits per sample`);
  }
  if (!(bitsStored >= 1 && bitsStored <= bitsAllocated)) {
    throw new ServingError('INVALID_DICOM', `DICOM BitsStored = ${bitsStored} must be between 1 and BitsAllocated = ${bitsAllocated}`);
  }
  if (!(Number.isSafeInteger(frames) && frames >= 1)) throw new ServingError('INVALID_DICOM', `DICOM NumberOfFrames = ${frames} must be an integer ≥ 1`);
  const maxFrames = opts.maxFrames ?? 64;
  if (frames > maxFrames) {
    throw new ServingError('BATCH_TOO_LARGE', `the DICOM file has ${frames} frames, more than the maximum batch of ${maxFrames}; send at most ${maxFrames} frames per request`);
  }
  const bytesPer = bitsAllocated / 8;
  const plane = rows * columns;
  const need = frames * plane * spp * bytesPer;
  if (pixel.length < need) {
    throw new ServingError(
      'INVALID_DICOM',
      `the DICOM pixel data has ${pixel.length} bytes but ${frames} frame(s) of ${rows}×${columns}×${spp} samples at ${bitsAllocated} bits need ${need}; the file is truncated or its attributes are wrong`,
    );
  }
  if (pixel.dataOffset + need > bytes.byteLength) {
    throw new ServingError('INVALID_DICOM', `the DICOM pixel data runs past the end of the file (${bytes.byteLength} bytes); the file is truncated`);
  }

  if (!mono) {
    const out = new Uint8Array(frames * plane * 3);
    const src = bytes.subarray(pixel.dataOffset, pixel.dataOffset + need);
    if (planar === 0) out.set(src);
    else {
      for (let f = 0; f < frames; f++) {
        const s = f * plane * 3;
        for (let p = 0; p < plane; p++) {
          out[s + p * 3] = src[s + p];
          out[s + p * 3 + 1] = src[s + plane + p];
          out[s + p * 3 + 2] = src[s + 2 * plane + p];
        }
      }
    }
    return { pixels: out, info, channels: 3 };
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset + pixel.dataOffset, need);
  const little = ts !== BIG_ENDIAN;
  const shift = 32 - bitsStored;
  const mask = bitsStored >= 32 ? 0xffffffff : (1 << bitsStored) - 1;
  const passThrough = !window && bitsAllocated === 8 && !signed && info.slope === 1 && info.intercept === 0;
  const invert = photometric === 'MONOCHROME1';
  const out = new Uint8Array(frames * plane);
  const values = new Float64Array(plane);
  for (let f = 0; f < frames; f++) {
    let min = Infinity;
    let max = -Infinity;
    for (let p = 0; p < plane; p++) {
      const i = f * plane + p;
      const raw = bytesPer === 1 ? view.getUint8(i) : view.getUint16(i * 2, little);
      const stored = signed ? ((raw << shift) >> shift) : raw & mask;
      const v = stored * info.slope + info.intercept;
      values[p] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const o = f * plane;
    if (passThrough) {
      for (let p = 0; p < plane; p++) out[o + p] = values[p];
    } else if (window) {
      const c = window.center - 0.5;
      const w = window.width - 1;
      const lo = c - w / 2;
      const hi = c + w / 2;
      for (let p = 0; p < plane; p++) {
        const x = values[p];
        out[o + p] = x <= lo ? 0 : x > hi ? 255 : Math.min(255, Math.max(0, Math.floor(((x - c) / w + 0.5) * 255 + 0.5)));
      }
    } else {
      const range = max - min;
      for (let p = 0; p < plane; p++) out[o + p] = range > 0 ? Math.floor(((values[p] - min) / range) * 255 + 0.5) : 0;
    }
    if (invert) for (let p = 0; p < plane; p++) out[o + p] = 255 - out[o + p];
  }
  return { pixels: out, info, channels: 1 };
}

/**
 * Decode a DICOM Part 10 file (see the module comment for the pixel pipeline) into the model's
 * float input, one batch element per frame.
 * @throws ServingError as {@link readDicomPixels}, and 'INVALID_INPUT' when RGB frames must feed a
 *   model whose channel count is neither 1 nor 3.
 */
export async function decodeDicom(bytes: Uint8Array, info: ModelInfo, opts: DecodeDicomOptions = {}): Promise<DecodedInput> {
  const { pixels, info: d, channels } = readDicomPixels(bytes, opts);
  return pixelsToInput(pixels, d.frames, d.rows, d.columns, channels, info);
}
