import { describe, expect, it } from 'vitest';
import type { InputContract } from './contract.ts';
import type { NdArray } from './ndarray.ts';
import { toModelInput } from './preprocess.ts';
import { errorOf } from './test-utils.ts';

const MEDMNIST: InputContract = { layout: 'NCHW', scale: 1 / 255, mean: [0.5], std: [0.5] };

/** Two 2×2 gray images: [[0, 255], [51, 102]] and [[255, 0], [0, 255]]. */
const gray: NdArray = { dtype: 'uint8', shape: [2, 2, 2], data: new Uint8Array([0, 255, 51, 102, 255, 0, 0, 255]) };

const close = (a: ArrayLike<number>, b: number[]) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) expect(a[i]).toBeCloseTo(b[i], 6);
};

describe('toModelInput', () => {
  it('applies ((p × scale) − mean) / std: 0 → −1, 255 → 1, 51 → −0.6', () => {
    const out = toModelInput(gray, MEDMNIST, { channels: 1, height: 2, width: 2 });
    expect(out.layout).toBe('NCHW');
    expect(out.dims).toEqual([2, 1, 2, 2]);
    expect(out.data).toBeInstanceOf(Float32Array);
    close(out.data, [-1, 1, -0.6, -0.2, 1, -1, -1, 1]);
  });

  it('replicates a gray channel into 3 channels (NCHW), with per-channel mean/std', () => {
    const c: InputContract = { layout: 'NCHW', scale: 1 / 255, mean: [0, 0.5, 1], std: [1, 0.5, 2] };
    const out = toModelInput(gray, c, { channels: 3, start: 0, count: 1 });
    expect(out.dims).toEqual([1, 3, 2, 2]);
    const p = [0, 1, 0.2, 0.4];
    close(out.data, [...p, ...p.map((v) => (v - 0.5) / 0.5), ...p.map((v) => (v - 1) / 2)]);
  });

  it('writes NHWC with dims [N, H, W, C]', () => {
    const c: InputContract = { layout: 'NHWC', scale: 1 / 255, mean: [0.5], std: [0.5] };
    const out = toModelInput(gray, c, { channels: 3, indices: [1] });
    expect(out.layout).toBe('NHWC');
    expect(out.dims).toEqual([1, 2, 2, 3]);
    close(out.data, [1, 1, 1, -1, -1, -1, -1, -1, -1, 1, 1, 1]);
    const one = toModelInput(gray, c, { channels: 1 });
    expect(one.dims).toEqual([2, 2, 2, 1]);
    close(one.data, [-1, 1, -0.6, -0.2, 1, -1, -1, 1]);
  });

  it('converts 3-channel NHWC images to NCHW planes and back to NHWC', () => {
    // one 1×2 RGB image: pixel0 = (10, 20, 30), pixel1 = (40, 50, 60)
    const rgb: NdArray = { dtype: 'uint8', shape: [1, 1, 2, 3], data: new Uint8Array([10, 20, 30, 40, 50, 60]) };
    const id: InputContract = { layout: 'NCHW', scale: 1, mean: [0], std: [1] };
    const nchw = toModelInput(rgb, id, { channels: 3 });
    expect(nchw.dims).toEqual([1, 3, 1, 2]);
    expect(Array.from(nchw.data)).toEqual([10, 40, 20, 50, 30, 60]);
    const nhwc = toModelInput(rgb, { ...id, layout: 'NHWC', mean: [1, 2, 3] }, { channels: 3 });
    expect(Array.from(nhwc.data)).toEqual([9, 18, 27, 39, 48, 57]);
  });

  it('passes float32 images through the same formula', () => {
    const f: NdArray = { dtype: 'float32', shape: [1, 1, 2], data: new Float32Array([0, 0.5]) };
    close(toModelInput(f, { layout: 'NCHW', scale: 1, mean: [0.5], std: [0.25] }, { channels: 1 }).data, [-2, 0]);
  });

  it('gathers indices in the given order and selects start/count ranges', () => {
    const id: InputContract = { layout: 'NCHW', scale: 1, mean: [0], std: [1] };
    expect(Array.from(toModelInput(gray, id, { channels: 1, indices: new Int32Array([1, 0]) }).data)).toEqual([255, 0, 0, 255, 0, 255, 51, 102]);
    expect(Array.from(toModelInput(gray, id, { channels: 1, start: 1 }).data)).toEqual([255, 0, 0, 255]);
    expect(toModelInput(gray, id, { channels: 1, count: 0 }).dims).toEqual([0, 1, 2, 2]);
  });

  it('size mismatch names both sizes', () => {
    const err = errorOf(() => toModelInput(gray, MEDMNIST, { channels: 1, height: 64, width: 64 }));
    expect(err.code).toBe('SHAPE_MISMATCH');
    expect(err.message).toMatch(/^images are 2×2 but the model expects 64×64; resize the dataset/);
    // dynamic dims (≤ 0) are not checked
    expect(toModelInput(gray, MEDMNIST, { channels: 1, height: -1, width: 0 }).dims).toEqual([2, 1, 2, 2]);
  });

  it('refuses to collapse 3-channel images into a 1-channel model', () => {
    const rgb: NdArray = { dtype: 'uint8', shape: [1, 2, 2, 3], data: new Uint8Array(12) };
    const err = errorOf(() => toModelInput(rgb, MEDMNIST, { channels: 1 }));
    expect(err.code).toBe('CHANNEL_MISMATCH');
    expect(err.message).toMatch(/3 channels but the model expects 1; convert the dataset to grayscale first/);
  });

  it('rejects mean/std lengths that do not fit the channels, bad selections and dtypes', () => {
    const c3: InputContract = { layout: 'NCHW', scale: 1, mean: [0, 0, 0], std: [1] };
    expect(errorOf(() => toModelInput(gray, c3, { channels: 1 })).code).toBe('BAD_CONTRACT');
    expect(errorOf(() => toModelInput(gray, MEDMNIST, { channels: 1, indices: [0, 2] })).message).toMatch(/indices\[1\] = 2 is outside \[0, 2\)/);
    expect(errorOf(() => toModelInput(gray, MEDMNIST, { channels: 1, start: 1, count: 2 })).code).toBe('INDEX_OUT_OF_RANGE');
    expect(errorOf(() => toModelInput(gray, MEDMNIST, { channels: 1, indices: [0], start: 0 })).code).toBe('BAD_OPTION');
    expect(errorOf(() => toModelInput(gray, MEDMNIST, { channels: 0 })).code).toBe('BAD_OPTION');
    const i32: NdArray = { dtype: 'int32', shape: [1, 1, 1], data: new Int32Array(1) };
    expect(errorOf(() => toModelInput(i32, MEDMNIST, { channels: 1 })).code).toBe('UNSUPPORTED_DTYPE');
  });
});
