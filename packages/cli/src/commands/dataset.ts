import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { ndarray, permutation, writeNpz, type NdArray } from '@medslim/data';
import { decodeImagePixels, fitPixels, readDicomPixels } from '@medslim/serving';
import { UsageError } from '../errors.ts';
import { commandFlags } from '../options.ts';

export const datasetUsage = `usage: medslim dataset --from <folder> --out <data.npz> [--size 28] [--channels 1|3] [--seed 0] [--split 0.8,0.1,0.1]

Builds a MedMNIST-layout .npz (train/val/test _images uint8 [N,S,S] or [N,S,S,3], _labels uint8 [N,1]) from a
folder with one sub-folder per class (class names = sub-folder names, in sorted order = label 0, 1, …), each
holding PNG, JPEG or DICOM (.dcm) files. Images are made grey (--channels 1, default) or RGB (--channels 3),
resized to --size × --size (lanczos3, the whole image, aspect ratio not kept), and split per class with a seeded
shuffle (stratified: each class keeps the --split proportions). The labels line it prints is what to give the
model as medslim.labels.`;

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);
const DICOM_EXT = new Set(['.dcm', '.dicom']);

/** A DICOM Part 10 file: 'DICM' at byte 128. */
const isDicom = (b: Uint8Array) => b.length > 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d;

function parseSplit(v: string): [number, number, number] {
  const parts = v.split(',').map((x) => Number(x.trim()));
  if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x) || x < 0) || Math.abs(parts[0] + parts[1] + parts[2] - 1) > 1e-6 || parts[0] === 0) {
    throw new UsageError(`--split must be three fractions train,val,test that sum to 1 with train > 0, e.g. --split 0.8,0.1,0.1; got '${v}'`);
  }
  return parts as [number, number, number];
}

function intFlag(v: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}; got '${v}'`);
  return n;
}

/**
 * `medslim dataset`: class sub-folders of PNG/JPEG/DICOM → MedMNIST-layout .npz.
 * Split per class c with n_c images: val = round(n_c × val), test = round(n_c × test), train the rest, after a
 * permutation seeded with seed + c (same files and seed → the same npz, byte for byte).
 * @throws UsageError (exit 2) for a missing or empty folder, fewer than 2 classes, a file that is not an image,
 *   bad flags, or a split left empty; ServingError (exit 2) for an image that cannot be decoded, naming the file.
 */
export async function dataset(argv: string[], out: (s: string) => void): Promise<number> {
  const values = commandFlags(argv, datasetUsage, out, {
    from: { type: 'string' }, out: { type: 'string' }, size: { type: 'string' }, channels: { type: 'string' },
    seed: { type: 'string' }, split: { type: 'string' },
  });
  if (!values) return 0;
  if (!values.from) throw new UsageError(`--from <folder> is required: a folder with one sub-folder of images per class\n${datasetUsage}`);
  if (!values.out) throw new UsageError(`--out <data.npz> is required\n${datasetUsage}`);
  const size = intFlag(values.size, 'size', 28, 8, 1024);
  const channels = intFlag(values.channels, 'channels', 1, 1, 3);
  if (channels === 2) throw new UsageError(`--channels must be 1 (grey) or 3 (RGB); got '2'`);
  const seed = intFlag(values.seed, 'seed', 0, 0, 2 ** 31 - 1);
  const split = parseSplit(values.split ?? '0.8,0.1,0.1');

  const root = values.from;
  let st;
  try { st = statSync(root); } catch { throw new UsageError(`--from ${root} does not exist; pass a folder with one sub-folder of images per class`); }
  if (!st.isDirectory()) throw new UsageError(`--from ${root} is a file; pass a folder with one sub-folder of images per class (e.g. data/normal/*.png, data/pneumonia/*.png)`);
  const classes = readdirSync(root).filter((d) => !d.startsWith('.') && statSync(join(root, d)).isDirectory()).sort();
  if (classes.length < 2) {
    throw new UsageError(`--from ${root} has ${classes.length} class sub-folder(s)${classes.length ? ` (${classes.join(', ')})` : ''}; a classifier needs at least 2: put each class's images in its own sub-folder`);
  }
  const frame = size * size * channels;
  const perClass: Uint8Array[][] = [];
  for (const cls of classes) {
    const dir = join(root, cls);
    const files = readdirSync(dir).filter((f) => !f.startsWith('.') && statSync(join(dir, f)).isFile()).sort();
    if (files.length === 0) throw new UsageError(`class folder ${dir} has no files; remove it or add its images`);
    const images: Uint8Array[] = [];
    for (const f of files) {
      const path = join(dir, f);
      const bytes = new Uint8Array(readFileSync(path));
      const ext = extname(f).toLowerCase();
      let px: Uint8Array, h: number, w: number, c: number;
      if (DICOM_EXT.has(ext) || isDicom(bytes)) {
        const d = withFile(path, () => readDicomPixels(bytes, { maxFrames: 1 }));
        ({ pixels: px, channels: c } = d);
        h = d.info.rows;
        w = d.info.columns;
      } else if (IMAGE_EXT.has(ext)) {
        const d = await withFileAsync(path, () => decodeImagePixels(bytes, channels as 1 | 3));
        ({ pixels: px, height: h, width: w, channels: c } = d);
      } else {
        throw new UsageError(`${path} is not a PNG, JPEG or DICOM file (by its extension and contents); move it out of ${root} or convert it`);
      }
      const fitted = await fitPixels(px, 1, h, w, c, channels, size, size);
      images.push(fitted.pixels.slice(0, frame));
    }
    perClass.push(images);
  }

  const splits: Record<'train' | 'val' | 'test', { images: Uint8Array[]; labels: number[] }> = {
    train: { images: [], labels: [] }, val: { images: [], labels: [] }, test: { images: [], labels: [] },
  };
  perClass.forEach((images, c) => {
    const n = images.length;
    const nVal = Math.round(n * split[1]);
    const nTest = Math.round(n * split[2]);
    const order = permutation(n, seed + c);
    order.forEach((idx, k) => {
      const name = k < n - nVal - nTest ? 'train' : k < n - nTest ? 'val' : 'test';
      splits[name].images.push(images[idx]);
      splits[name].labels.push(c);
    });
  });
  for (const [name, s] of Object.entries(splits)) {
    const wanted = name === 'train' ? split[0] : name === 'val' ? split[1] : split[2];
    if (s.images.length === 0 && wanted > 0) {
      throw new UsageError(`the ${name} split would be empty (${perClass.map((x, c) => `${classes[c]}: ${x.length}`).join(', ')} images); add images or change --split`);
    }
  }
  const arrays: Record<string, NdArray> = {};
  for (const [name, s] of Object.entries(splits)) {
    const data = new Uint8Array(s.images.length * frame);
    s.images.forEach((img, i) => data.set(img, i * frame));
    arrays[`${name}_images`] = channels === 1 ? ndarray('uint8', [s.images.length, size, size], data) : ndarray('uint8', [s.images.length, size, size, channels], data);
    arrays[`${name}_labels`] = ndarray('uint8', [s.labels.length, 1], Uint8Array.from(s.labels));
  }
  writeFileSync(values.out, writeNpz(arrays));
  out(`wrote ${values.out}: train ${splits.train.images.length}, val ${splits.val.images.length}, test ${splits.test.images.length} images, ${size}×${size}×${channels}\n`);
  out(`labels: ${classes.join(',')}  (label i = sub-folder i in this order; give the model medslim.labels "${classes.join(',')}")\n`);
  return 0;
}

/** Prefix a decoder's error with the file it came from (the error keeps its class, so the exit code stays 2). */
function withFile<T>(path: string, fn: () => T): T {
  try { return fn(); } catch (e) { if (e instanceof Error) e.message = `${path}: ${e.message}`; throw e; }
}
async function withFileAsync<T>(path: string, fn: () => Promise<T>): Promise<T> {
  try { return await fn(); } catch (e) { if (e instanceof Error) e.message = `${path}: ${e.message}`; throw e; }
}
