import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDataset, type SplitName } from './dataset.ts';
import type { NdArray } from './ndarray.ts';
import { writeNpz } from './npz.ts';
import { datasetSummary } from './summary.ts';
import { errorOf } from './test-utils.ts';

const dir = mkdtempSync(join(tmpdir(), 'medslim-data-'));
let fileNo = 0;

/** Write arrays as an .npz in a temp dir and return [path, bytes]. */
function writeTemp(arrays: Record<string, NdArray>, compress = false): [string, Uint8Array] {
  const bytes = writeNpz(arrays, { compress });
  const path = join(dir, `ds${fileNo++}.npz`);
  writeFileSync(path, bytes);
  return [path, bytes];
}

const u8images = (n: number, h = 2, w = 3, c?: number): NdArray => {
  const shape = c === undefined ? [n, h, w] : [n, h, w, c];
  const data = new Uint8Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => i % 256);
  return { dtype: 'uint8', shape, data };
};
const labels = (values: number[], column = true): NdArray => ({
  dtype: 'uint8',
  shape: column ? [values.length, 1] : [values.length],
  data: new Uint8Array(values),
});

/** A small valid MedMNIST-style set: train 4, val 2, test 3 images of 2×3. */
function medmnist(over: Partial<Record<string, NdArray | undefined>> = {}): Record<string, NdArray> {
  const base: Record<string, NdArray | undefined> = {
    train_images: u8images(4),
    train_labels: labels([0, 1, 1, 0]),
    val_images: u8images(2),
    val_labels: labels([1, 0]),
    test_images: u8images(3),
    test_labels: labels([0, 2, 1]),
    ...over,
  };
  return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<string, NdArray>;
}

describe('loadDataset', () => {
  it('loads splits, flattens [N,1] labels to Int32Array and infers geometry and classes', () => {
    const [path] = writeTemp(medmnist());
    const ds = loadDataset(path);
    expect(ds.path).toBe(path);
    expect([ds.height, ds.width, ds.channels, ds.numClasses]).toEqual([2, 3, 1, 3]);
    expect(ds.splits.train!.count).toBe(4);
    expect(ds.splits.train!.labels).toBeInstanceOf(Int32Array);
    expect(Array.from(ds.splits.train!.labels)).toEqual([0, 1, 1, 0]);
    expect(Array.from(ds.splits.test!.labels)).toEqual([0, 2, 1]);
    expect(ds.splits.val!.images.shape).toEqual([2, 2, 3]);
    expect(ds.splits.val!.images.data[5]).toBe(5);
  });

  it('fingerprint equals sha256sum of the file bytes', () => {
    const [path, bytes] = writeTemp(medmnist(), true);
    const expected = createHash('sha256').update(bytes).digest('hex');
    expect(loadDataset(path).sha256).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts [N] labels of int64, int16 and integral float64, and NHWC 3-channel float32 images', () => {
    const [path] = writeTemp(
      medmnist({
        train_images: { dtype: 'float32', shape: [2, 2, 2, 3], data: new Float32Array(24).fill(0.5) },
        train_labels: { dtype: 'int64', shape: [2], data: new BigInt64Array([4n, 0n]) },
        val_images: { dtype: 'float32', shape: [1, 2, 2, 3], data: new Float32Array(12) },
        val_labels: { dtype: 'int16', shape: [1], data: new Int16Array([3]) },
        test_images: { dtype: 'float32', shape: [2, 2, 2, 3], data: new Float32Array(24) },
        test_labels: { dtype: 'float64', shape: [2], data: new Float64Array([1, 2]) },
      }),
    );
    const ds = loadDataset(path);
    expect([ds.height, ds.width, ds.channels, ds.numClasses]).toEqual([2, 2, 3, 5]);
    expect(Array.from(ds.splits.train!.labels)).toEqual([4, 0]);
    expect(Array.from(ds.splits.test!.labels)).toEqual([1, 2]);
  });

  it('missing key: names the key and lists the keys present', () => {
    const [path] = writeTemp(medmnist({ val_labels: undefined }));
    const err = errorOf(() => loadDataset(path));
    expect(err.code).toBe('NPZ_MISSING_KEY');
    expect(err.message).toContain("missing key 'val_labels'");
    expect(err.message).toContain("keys present: 'test_images', 'test_labels', 'train_images', 'train_labels', 'val_images'");
  });

  it('train and val may be absent only when requireSplits allows it; test is always required', () => {
    const [path] = writeTemp(medmnist({ train_images: undefined, train_labels: undefined, val_images: undefined, val_labels: undefined }));
    const err = errorOf(() => loadDataset(path));
    expect(err.code).toBe('NPZ_MISSING_KEY');
    expect(err.message).toContain("'train_images', 'train_labels', 'val_images', 'val_labels'");
    const ds = loadDataset(path, { requireSplits: ['test'] });
    expect(Object.keys(ds.splits)).toEqual(['test']);
    expect(ds.numClasses).toBe(3);

    const [noTest] = writeTemp(medmnist({ test_images: undefined, test_labels: undefined }));
    const e2 = errorOf(() => loadDataset(noTest, { requireSplits: ['train'] }));
    expect(e2.code).toBe('NPZ_MISSING_KEY');
    expect(e2.message).toContain("'test_images', 'test_labels'");
  });

  it('an optional split present with only images is still an error', () => {
    const [path] = writeTemp(medmnist({ val_labels: undefined }));
    expect(errorOf(() => loadDataset(path, { requireSplits: ['train', 'test'] })).message).toContain("'val_labels'");
  });

  it('labels outside [0, K) name the split, value and index', () => {
    const [path] = writeTemp(medmnist({ test_labels: labels([0, 1, 1]) }));
    expect(loadDataset(path, { numClasses: 2 }).numClasses).toBe(2);

    const many = [0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 0, 7, 1];
    const [bad] = writeTemp(medmnist({ test_images: u8images(many.length), test_labels: labels(many) }));
    const err = errorOf(() => loadDataset(bad, { numClasses: 2 }));
    expect(err.code).toBe('LABEL_OUT_OF_RANGE');
    expect(err.message).toBe("labels in split 'test' must be in [0, 2); found 7 at index 12. Check that the dataset matches the model's classes.");
    // without numClasses, K = max label + 1
    expect(loadDataset(bad).numClasses).toBe(8);
  });

  it('negative and non-integral labels are rejected with the index', () => {
    const [neg] = writeTemp(medmnist({ train_labels: { dtype: 'int32', shape: [4], data: new Int32Array([0, 1, -1, 0]) } }));
    const e1 = errorOf(() => loadDataset(neg));
    expect(e1.code).toBe('LABEL_OUT_OF_RANGE');
    expect(e1.message).toMatch(/split 'train'.*found -1 at index 2/);
    const [frac] = writeTemp(medmnist({ val_labels: { dtype: 'float32', shape: [2], data: new Float32Array([0, 0.5]) } }));
    const e2 = errorOf(() => loadDataset(frac));
    expect(e2.code).toBe('BAD_LABELS');
    expect(e2.message).toMatch(/split 'val'.*found 0\.5 at index 1/);
    const [multi] = writeTemp(medmnist({ val_labels: { dtype: 'uint8', shape: [2, 3], data: new Uint8Array(6) } }));
    expect(errorOf(() => loadDataset(multi)).message).toMatch(/shape \(N,\) or \(N, 1\); found \(2, 3\).*multi-label/);
  });

  it('label count ≠ image count is a SHAPE_MISMATCH with both numbers', () => {
    const [path] = writeTemp(medmnist({ val_labels: labels([1, 0, 1]) }));
    const err = errorOf(() => loadDataset(path));
    expect(err.code).toBe('SHAPE_MISMATCH');
    expect(err.message).toMatch(/split 'val' has 2 images .* but 3 labels/);
  });

  it('empty required split → EMPTY_SPLIT', () => {
    const [path] = writeTemp(medmnist({ val_images: u8images(0), val_labels: labels([]) }));
    const err = errorOf(() => loadDataset(path));
    expect(err.code).toBe('EMPTY_SPLIT');
    expect(err.message).toContain("split 'val'");
    expect(loadDataset(path, { requireSplits: ['train', 'test'] }).splits.val!.count).toBe(0);
  });

  it('rejects bad image dtypes, shapes, per-split size disagreement and non-finite floats', () => {
    const [dt] = writeTemp(medmnist({ test_images: { dtype: 'int32', shape: [3, 2, 3], data: new Int32Array(18) } }));
    expect(errorOf(() => loadDataset(dt)).code).toBe('UNSUPPORTED_DTYPE');
    const [chw] = writeTemp(medmnist({ test_images: u8images(3, 3, 8, 8) }));
    const e = errorOf(() => loadDataset(chw));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toMatch(/channels-first/);
    const [size] = writeTemp(medmnist({ test_images: u8images(3, 4, 4) }));
    expect(errorOf(() => loadDataset(size)).message).toMatch(/split 'test' has 4×4 images with 1 channel\(s\) but split 'train' has 2×3/);
    const nan = new Float32Array(18);
    nan[13] = Number.NaN;
    const [nf] = writeTemp(medmnist({ test_images: { dtype: 'float32', shape: [3, 2, 3], data: nan } }));
    const e3 = errorOf(() => loadDataset(nf));
    expect(e3.code).toBe('NON_FINITE');
    expect(e3.message).toMatch(/'test_images'.*image 2/);
  });

  it('rejects non-npz files and bad options', () => {
    const path = join(dir, 'not.npz');
    writeFileSync(path, 'plain text');
    expect(errorOf(() => loadDataset(path)).code).toBe('NOT_NPZ');
    expect(errorOf(() => loadDataset(path)).message).toContain(path); // the file, not 'npz bytes'
    const [ok] = writeTemp(medmnist());
    expect(errorOf(() => loadDataset(ok, { numClasses: 0 })).code).toBe('BAD_OPTION');
    expect(errorOf(() => loadDataset(ok, { requireSplits: ['dev' as SplitName] })).code).toBe('BAD_OPTION');
  });
});

describe('datasetSummary', () => {
  it('reports fingerprint, counts and per-class counts', () => {
    const [path, bytes] = writeTemp(medmnist());
    const s = datasetSummary(loadDataset(path));
    expect(s).toEqual({
      sha256: createHash('sha256').update(bytes).digest('hex'),
      splits: {
        train: { count: 4, classCounts: [2, 2, 0] },
        val: { count: 2, classCounts: [1, 1, 0] },
        test: { count: 3, classCounts: [1, 1, 1] },
      },
    });
  });
});

describe('real MedMNIST fixtures', () => {
  const fixtures = [
    {
      name: 'PneumoniaMNIST',
      url: new URL('../../../examples/pneumoniamnist/pneumoniamnist.npz', import.meta.url), // in the repo: never skipped
      counts: { train: 4708, val: 524, test: 624 },
      trainClassCounts: [1214, 3494],
      sha256: 'e1792d3f03751cb101e99f19a63b3c1941436c988665f47853417b05be250cd8',
    },
    {
      name: 'BreastMNIST',
      url: new URL('../../../../shared/fixtures/medmnist/breastmnist.npz', import.meta.url),
      counts: { train: 546, val: 78, test: 156 },
      trainClassCounts: [147, 399],
      sha256: '3a22d2a4625e7dd8903f0f59030e81a3d0c222bece2e5e10927456cb50efdec1',
    },
  ];
  for (const f of fixtures) {
    const path = fileURLToPath(f.url);
    // PneumoniaMNIST is in the repo (examples/) and always runs; BreastMNIST lives in ../shared only.
    const exists = existsSync(path) || f.name === 'PneumoniaMNIST';
    it.skipIf(!exists)(`real ${f.name}${exists ? '' : ` (skipped: needs ../shared/fixtures — ${f.name} is not in examples/)`}`, () => {
      const ds = loadDataset(path, { numClasses: 2 });
      expect(ds.sha256).toBe(f.sha256);
      expect([ds.height, ds.width, ds.channels, ds.numClasses]).toEqual([28, 28, 1, 2]);
      expect(ds.splits.train!.images.dtype).toBe('uint8');
      expect(ds.splits.train!.images.shape).toEqual([f.counts.train, 28, 28]);
      const s = datasetSummary(ds);
      expect(s.sha256).toBe(f.sha256);
      expect(s.splits.train!.count).toBe(f.counts.train);
      expect(s.splits.val!.count).toBe(f.counts.val);
      expect(s.splits.test!.count).toBe(f.counts.test);
      expect(s.splits.train!.classCounts).toEqual(f.trainClassCounts);
    });
  }
});
