/**
 * Serving decoders with known answers: PNG/JPEG (sharp) and DICOM (dicom-parser, written byte by byte
 * in tests/helpers/serve-dicom.ts) give exactly the float input `toModelInput` gives on the raw
 * pixels; JSON tensors are checked for shape, channels and finiteness.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, ndarray, toModelInput, type InputContract, type NdArray } from '@medslim/data';
import { decodeDicom, decodeImage, decodeJson, readDicomPixels, ServingError, type ModelInfo } from '@medslim/serving';
import { examples } from './helpers/fixtures.ts';
import { imageDicom, TS } from './helpers/serve-dicom.ts';

const contract: InputContract = { layout: 'NCHW', scale: 1 / 255, mean: [0.5], std: [0.5] };
const info = (channels: number, size = 28, over: Partial<ModelInfo> = {}): ModelInfo => ({
  inputName: 'input',
  inputType: 'float32',
  outputName: 'logits',
  outputKind: 'logits',
  inputDims: [-1, channels, size, size],
  batch: -1,
  channels,
  height: size,
  width: size,
  contract: channels === 1 ? contract : { ...contract, mean: [0.5, 0.4, 0.3], std: [0.5, 0.25, 0.2] },
  labels: null,
  classes: 2,
  iface: null as unknown as ModelInfo['iface'],
  bytes: 0,
  ...over,
});
const gray = info(1);
const rgb = info(3);

/** Expect `f` to throw a ServingError with `code` (and a message matching `re`). */
async function rejects(f: () => unknown, code: string, re?: RegExp): Promise<ServingError> {
  let err: unknown;
  try {
    await f();
  } catch (e) {
    err = e;
  }
  expect(ServingError.is(err), `expected a ServingError ${code}, got ${String(err)}`).toBe(true);
  const e = err as ServingError;
  expect(e.code).toBe(code);
  if (re) expect(e.message).toMatch(re);
  return e;
}

let images: NdArray; // PneumoniaMNIST test images, uint8 [624, 28, 28]
const one = (i: number) => ndarray('uint8', [1, 28, 28], (images.data as Uint8Array).slice(i * 784, (i + 1) * 784));
beforeAll(() => {
  images = loadDataset(join(examples, 'pneumoniamnist.npz')).splits.test!.images;
});

describe('decodeImage (sharp)', () => {
  it('a PNG made from a test image gives exactly toModelInput of its pixels', async () => {
    for (const i of [0, 1, 100]) {
      const px = one(i);
      const png = await sharp(Buffer.from(px.data as Uint8Array), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
      const got = await decodeImage(png, gray);
      const want = toModelInput(px, contract, { channels: 1, height: 28, width: 28 });
      expect(got.dims).toEqual([1, 1, 28, 28]);
      expect(Array.from(got.data)).toEqual(Array.from(want.data));
    }
  });

  it('an RGB PNG with R = G = B feeds a 1-channel model as that gray value', async () => {
    const px = one(3).data as Uint8Array;
    const rgbPx = new Uint8Array(784 * 3).map((_, k) => px[Math.floor(k / 3)]);
    const png = await sharp(Buffer.from(rgbPx), { raw: { width: 28, height: 28, channels: 3 } }).png().toBuffer();
    const got = await decodeImage(png, gray);
    expect(Array.from(got.data)).toEqual(Array.from(toModelInput(one(3), contract, { channels: 1 }).data));
  });

  it('a gray PNG feeds a 3-channel model with the value in every channel (per-channel mean/std)', async () => {
    const px = one(5);
    const png = await sharp(Buffer.from(px.data as Uint8Array), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
    const got = await decodeImage(png, rgb);
    expect(got.dims).toEqual([1, 3, 28, 28]);
    expect(Array.from(got.data)).toEqual(Array.from(toModelInput(px, rgb.contract, { channels: 3 }).data));
  });

  it('resizes to the model size (a constant 56×56 image stays constant at 28×28)', async () => {
    const png = await sharp(Buffer.alloc(56 * 56, 100), { raw: { width: 56, height: 56, channels: 1 } }).png().toBuffer();
    const got = await decodeImage(png, gray);
    expect(got.dims).toEqual([1, 1, 28, 28]);
    const v = Math.fround((100 / 255 - 0.5) / 0.5);
    for (const x of got.data) expect(x).toBeCloseTo(v, 6);
  });

  it('applies a JPEG\'s EXIF orientation (issue 14, item 12): a photo stored sideways arrives upright', async () => {
    // Upright 16×16: top half white (255), bottom half black (0). Stored rotated 90° counter-clockwise with
    // EXIF Orientation 6 ("rotate 90° clockwise to view"), as a phone held sideways writes it.
    const n = 16;
    const upright = Buffer.alloc(n * n, 0).fill(255, 0, (n * n) / 2);
    const stored = Buffer.alloc(n * n);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) stored[r * n + c] = upright[c * n + (n - 1 - r)]; // 90° counter-clockwise
    const jpg = await sharp(stored, { raw: { width: n, height: n, channels: 1 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(jpg).metadata()).orientation).toBe(6);
    const got = await decodeImage(jpg, info(1, n));
    const white = (1 - 0.5) / 0.5;
    const black = (0 - 0.5) / 0.5;
    const mean = (rows: number[]) => rows.reduce((a, r) => a + got.data.slice(r * n, (r + 1) * n).reduce((x, y) => x + y, 0) / n, 0) / rows.length;
    expect(mean([0, 1, 2, 3])).toBeCloseTo(white, 1); // top rows white: upright
    expect(mean([12, 13, 14, 15])).toBeCloseTo(black, 1);
  });

  it('decodes a JPEG to the model shape', async () => {
    const jpg = await sharp(Buffer.from(one(0).data as Uint8Array), { raw: { width: 28, height: 28, channels: 1 } }).jpeg({ quality: 95 }).toBuffer();
    const got = await decodeImage(jpg, gray);
    expect(got.dims).toEqual([1, 1, 28, 28]);
    for (const x of got.data) expect(x).toBeGreaterThanOrEqual(-1), expect(x).toBeLessThanOrEqual(1);
  });

  it('bytes that are not an image → NOT_AN_IMAGE (400)', async () => {
    const e = await rejects(() => decodeImage(new TextEncoder().encode('not an image at all'), gray), 'NOT_AN_IMAGE', /not a PNG or JPEG image/);
    expect(e.status).toBe(400);
  });

  it('an image over the pixel limit → PAYLOAD_TOO_LARGE', async () => {
    const png = await sharp(Buffer.alloc(100 * 100, 1), { raw: { width: 100, height: 100, channels: 1 } }).png().toBuffer();
    await rejects(() => decodeImage(png, gray, { maxPixels: 5000 }), 'PAYLOAD_TOO_LARGE', /more than 5000 pixels/);
  });
});

describe('DICOM pixel pipeline (readDicomPixels) — known answers', () => {
  // HU = 2·stored − 1024; window C=40 W=400 (PS3.3 C.11.2.1.2.1): −1024 → 0, −160 → 0, −60 → 64, 40 → 128, 1024 → 255, 176 → 215.
  const stored = Uint16Array.of(0, 432, 482, 532, 1024, 600);
  const windowed = [0, 0, 64, 128, 255, 215];
  for (const [name, ts] of Object.entries({ 'Explicit VR Little Endian': TS.explicitLE, 'Implicit VR Little Endian': TS.implicitLE, 'Explicit VR Big Endian': TS.explicitBE })) {
    it(`MONOCHROME2 16-bit with rescale slope/intercept and window, ${name}`, () => {
      const d = imageDicom({ rows: 2, columns: 3, photometric: 'MONOCHROME2', bitsAllocated: 16, slope: 2, intercept: -1024, window: { center: 40, width: 400 }, pixels: stored, ts });
      const r = readDicomPixels(d);
      expect(r.channels).toBe(1);
      expect(Array.from(r.pixels)).toEqual(windowed);
      expect(r.info).toMatchObject({ transferSyntax: ts, rows: 2, columns: 3, slope: 2, intercept: -1024, window: { center: 40, width: 400 } });
    });
  }

  it('a multi-valued window uses its first value', () => {
    const d = imageDicom({ rows: 2, columns: 3, photometric: 'MONOCHROME2', bitsAllocated: 16, slope: 2, intercept: -1024, window: { center: '40\\-600', width: '400\\1500' }, pixels: stored });
    expect(Array.from(readDicomPixels(d).pixels)).toEqual(windowed);
  });

  it('signed 12-bit stored in 16 without a window → min–max to 0…255', () => {
    const d = imageDicom({ rows: 2, columns: 2, photometric: 'MONOCHROME2', bitsAllocated: 16, bitsStored: 12, signed: true, pixels: Uint16Array.of(-5 & 0xfff, 0, 5, 10) });
    expect(Array.from(readDicomPixels(d).pixels)).toEqual([0, 85, 170, 255]);
  });

  it('MONOCHROME1 8-bit is inverted (low values display white)', () => {
    const d = imageDicom({ rows: 2, columns: 2, photometric: 'MONOCHROME1', bitsAllocated: 8, pixels: Uint8Array.of(0, 10, 200, 255) });
    expect(Array.from(readDicomPixels(d).pixels)).toEqual([255, 245, 55, 0]);
  });

  it('RGB with PlanarConfiguration 0 (RGBRGB…) and 1 (RR…GG…BB…) give the same interleaved pixels', () => {
    const px = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]; // 4 pixels × RGB
    const planar = [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11].map((i) => px[i]);
    const a = readDicomPixels(imageDicom({ rows: 2, columns: 2, photometric: 'RGB', bitsAllocated: 8, planarConfiguration: 0, pixels: Uint8Array.from(px) }));
    const b = readDicomPixels(imageDicom({ rows: 2, columns: 2, photometric: 'RGB', bitsAllocated: 8, planarConfiguration: 1, pixels: Uint8Array.from(planar) }));
    expect(a.channels).toBe(3);
    expect(Array.from(a.pixels)).toEqual(px);
    expect(Array.from(b.pixels)).toEqual(px);
  });

  it('a JPEG transfer syntax → 415 naming the UID and its name', async () => {
    const d = imageDicom({ rows: 2, columns: 2, photometric: 'MONOCHROME2', bitsAllocated: 8, pixels: Uint8Array.of(1, 2, 3, 4), ts: TS.jpegBaseline });
    const e = await rejects(() => readDicomPixels(d), 'UNSUPPORTED_TRANSFER_SYNTAX', /1\.2\.840\.10008\.1\.2\.4\.50 \(JPEG Baseline \(Process 1\)\)/);
    expect(e.status).toBe(415);
    await rejects(() => readDicomPixels(imageDicom({ rows: 2, columns: 2, photometric: 'MONOCHROME2', bitsAllocated: 8, pixels: Uint8Array.of(1, 2, 3, 4), ts: TS.jpeg2000 })), 'UNSUPPORTED_TRANSFER_SYNTAX', /JPEG 2000/);
  });

  it('no Pixel Data → NO_PIXEL_DATA (400)', async () => {
    const e = await rejects(() => readDicomPixels(imageDicom({ rows: 2, columns: 2, photometric: 'MONOCHROME2', bitsAllocated: 8 })), 'NO_PIXEL_DATA', /no Pixel Data \(7FE0,0010\)/);
    expect(e.status).toBe(400);
  });

  it('not DICOM, truncated pixel data, unsupported photometric, too many frames → clear 4xx', async () => {
    await rejects(() => readDicomPixels(new TextEncoder().encode('hello')), 'INVALID_DICOM', /not a DICOM Part 10 file/);
    await rejects(() => readDicomPixels(imageDicom({ rows: 4, columns: 4, photometric: 'MONOCHROME2', bitsAllocated: 8, pixels: new Uint8Array(6) })), 'INVALID_DICOM', /pixel data has 6 bytes but 1 frame\(s\) of 4×4×1 samples at 8 bits need 16/);
    await rejects(() => readDicomPixels(imageDicom({ rows: 2, columns: 2, photometric: 'YBR_FULL', samplesPerPixel: 3, bitsAllocated: 8, pixels: new Uint8Array(12) })), 'UNSUPPORTED_DICOM', /YBR_FULL/);
    await rejects(() => readDicomPixels(imageDicom({ rows: 1, columns: 1, photometric: 'MONOCHROME2', bitsAllocated: 8, frames: 3, pixels: new Uint8Array(4) }), { maxFrames: 2 }), 'BATCH_TOO_LARGE', /3 frames, more than the maximum batch of 2/);
  });
});

describe('decodeDicom → model input', () => {
  it('a 16-bit DICOM made from a test image (×4 stored, slope 0.25, window C=128 W=256) gives exactly toModelInput of its pixels', async () => {
    const px = one(7);
    const stored = Uint16Array.from(px.data as Uint8Array, (v) => v * 4);
    const d = imageDicom({ rows: 28, columns: 28, photometric: 'MONOCHROME2', bitsAllocated: 16, slope: 0.25, intercept: 0, window: { center: 128, width: 256 }, pixels: stored });
    const got = await decodeDicom(d, gray);
    expect(got.dims).toEqual([1, 1, 28, 28]);
    expect(Array.from(got.data)).toEqual(Array.from(toModelInput(px, contract, { channels: 1 }).data));
  });

  it('each frame of a multi-frame file is one batch element; an 8-bit file passes through unchanged', async () => {
    const two = new Uint8Array(2 * 784);
    two.set(one(0).data as Uint8Array, 0);
    two.set(one(1).data as Uint8Array, 784);
    const got = await decodeDicom(imageDicom({ rows: 28, columns: 28, photometric: 'MONOCHROME2', bitsAllocated: 8, frames: 2, pixels: two }), gray);
    expect(got.dims).toEqual([2, 1, 28, 28]);
    expect(Array.from(got.data)).toEqual(Array.from(toModelInput(ndarray('uint8', [2, 28, 28], two), contract, { channels: 1 }).data));
  });

  it('an RGB DICOM feeds a 1-channel model through grayscale, resized to the model size', async () => {
    const got = await decodeDicom(imageDicom({ rows: 56, columns: 56, photometric: 'RGB', bitsAllocated: 8, pixels: new Uint8Array(56 * 56 * 3).fill(100) }), gray);
    expect(got.dims).toEqual([1, 1, 28, 28]);
    for (const x of got.data) expect(x).toBeCloseTo((100 / 255 - 0.5) / 0.5, 5);
  });
});

describe('decodeJson', () => {
  const x = Array.from({ length: 784 }, (_, i) => ((i * 37) % 101) / 50 - 1);
  const nested = (v: number[]) => [Array.from({ length: 28 }, (_, r) => v.slice(r * 28, r * 28 + 28))];
  const body = (inputs: unknown) => JSON.stringify({ inputs });

  it('nested [N,C,H,W], one example [C,H,W] and {shape, data} give the same tensor', () => {
    const a = decodeJson(body([nested(x), nested(x)]), gray, 64);
    const b = decodeJson(body({ shape: [2, 1, 28, 28], data: [...x, ...x] }), gray, 64);
    const c = decodeJson(body(nested(x)), gray, 64);
    expect(a.dims).toEqual([2, 1, 28, 28]);
    expect(b.dims).toEqual([2, 1, 28, 28]);
    expect(c.dims).toEqual([1, 1, 28, 28]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(c.data)).toEqual(Array.from(Float32Array.from(x)));
  });

  it('wrong shape, wrong channel count, ragged arrays, non-numbers → INVALID_INPUT naming the dims', async () => {
    await rejects(() => decodeJson(body({ shape: [1, 1, 27, 28], data: x.slice(0, 756) }), gray, 64), 'INVALID_INPUT', /height 27 but the model takes 28/);
    await rejects(() => decodeJson(body({ shape: [1, 3, 28, 28], data: [...x, ...x, ...x] }), gray, 64), 'INVALID_INPUT', /3 channels but the model takes 1/);
    await rejects(() => decodeJson(body([x]), gray, 64), 'INVALID_INPUT', /shape \[1, 784\] \(rank 2\) but the model takes rank 4/);
    const ragged = nested(x);
    ragged[0][5] = ragged[0][5].slice(0, 27);
    await rejects(() => decodeJson(body([ragged]), gray, 64), 'INVALID_INPUT', /inputs\[0\]\[0\]\[5\] has 27 elements; expected 28 along width/);
    await rejects(() => decodeJson(body({ shape: [1, 1, 28, 28], data: [...x.slice(0, 783), 'a'] }), gray, 64), 'INVALID_INPUT', /data\[783\] is string/);
    await rejects(() => decodeJson(body({ shape: [1, 1, 28, 28], data: x.slice(1) }), gray, 64), 'INVALID_INPUT', /783 values but shape \[1, 1, 28, 28\] needs 784/);
    await rejects(() => decodeJson(JSON.stringify({ input: [] }), gray, 64), 'INVALID_INPUT', /\{"inputs": …\}/);
  });

  it('NaN and Infinity (literals, 1e999, beyond float32) → a clear 400; the value is never echoed', async () => {
    const text = body({ shape: [1, 1, 28, 28], data: x }).replace(/"data":\[[^,]+/, '"data":[NaN');
    const e = await rejects(() => decodeJson(text, gray, 64), 'MALFORMED_JSON', /JSON has no NaN or Infinity/);
    expect(e.status).toBe(400);
    await rejects(() => decodeJson(body({ shape: [1, 1, 28, 28], data: x }).replace(/"data":\[[^,]+/, '"data":[1e999'), gray, 64), 'INVALID_INPUT', /data\[0\] is not a finite float32/);
    const big = decodeJson.bind(null, body({ shape: [1, 1, 28, 28], data: [...x.slice(0, 10), 1e39, ...x.slice(11)] }), gray, 64);
    const e2 = await rejects(big, 'INVALID_INPUT', /data\[10\] is not a finite float32/);
    expect(e2.message).not.toMatch(/1e\+?39/);
  });

  it('a batch above the maximum → BATCH_TOO_LARGE; a fixed-batch model takes only its batch size', async () => {
    await rejects(() => decodeJson(body({ shape: [3, 1, 28, 28], data: [...x, ...x, ...x] }), gray, 2), 'BATCH_TOO_LARGE', /3 examples, more than the maximum batch of 2/);
    await rejects(() => decodeJson(body({ shape: [2, 1, 28, 28], data: [...x, ...x] }), info(1, 28, { batch: 1, inputDims: [1, 1, 28, 28] }), 64), 'INVALID_INPUT', /fixed batch size of 1/);
  });
});
