import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadNpz, ndarray, writeNpz, type NdArray } from '@medslim/data';
import { writeModel } from '@medslim/onnx';
import { seededValues, tinyResNet } from '@medslim/onnx/testing';

/** Repository root and the shared fixtures folder beside it (absent on some machines: tests skip with the reason). */
export const repoRoot = new URL('../../', import.meta.url).pathname;
export const sharedFixtures = join(repoRoot, '..', 'shared', 'fixtures');
export const hasShared = existsSync(join(sharedFixtures, 'teachers', 'breastmnist-resnet18.onnx'));
export const examples = join(repoRoot, 'examples', 'pneumoniamnist');

export function tempDir(prefix = 'medslim-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Seeded uint8 images [N, H, W] (channels 1) or [N, H, W, C]. */
export function seededImages(n: number, size: number, channels: number, seed: number): NdArray {
  const v = seededValues(n * size * size * channels, seed, 1);
  const data = Uint8Array.from(v, (x) => Math.floor((x + 1) * 127.5));
  return channels === 1 ? ndarray('uint8', [n, size, size], data) : ndarray('uint8', [n, size, size, channels], data);
}

/**
 * A tiny teacher (C channels, K classes, size×size, x/255 contract in its metadata) and a dataset whose labels
 * are the teacher's own top-1 predictions — so the teacher's test accuracy is exactly 1, a known answer.
 */
export async function syntheticTeacherAndData(dir: string, opts: { channels: number; classes: number; size: number; counts?: [number, number, number]; seed?: number }) {
  const [nTrain, nVal, nTest] = opts.counts ?? [96, 32, 64];
  const labels = Array.from({ length: opts.classes }, (_, i) => `class${i}`).join(',');
  const model = tinyResNet({
    channels: opts.channels, classes: opts.classes, size: opts.size, seed: opts.seed ?? 3, batchNorm: true,
    metadata: { 'medslim.preprocess': JSON.stringify({ layout: 'NCHW', scale: 1 / 255, mean: Array(opts.channels).fill(0.5), std: Array(opts.channels).fill(0.25) }), 'medslim.labels': labels },
  });
  const bytes = writeModel(model);
  const session = await ort.InferenceSession.create(bytes);
  const split = async (n: number, seed: number) => {
    const images = seededImages(n, opts.size, opts.channels, seed);
    const x = new Float32Array(n * opts.channels * opts.size * opts.size);
    const px = images.data as Uint8Array;
    for (let i = 0; i < n; i++) for (let c = 0; c < opts.channels; c++) for (let p = 0; p < opts.size * opts.size; p++) {
      x[(i * opts.channels + c) * opts.size * opts.size + p] = (px[(i * opts.size * opts.size + p) * opts.channels + c] / 255 - 0.5) / 0.25;
    }
    const out = await session.run({ input: new ort.Tensor('float32', x, [n, opts.channels, opts.size, opts.size]) });
    const l = out.logits.data as Float32Array;
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let k = 1; k < opts.classes; k++) if (l[i * opts.classes + k] > l[i * opts.classes + best]) best = k;
      y[i] = best;
    }
    return { images, labels: ndarray('uint8', [n, 1], y) };
  };
  const train = await split(nTrain, 11), val = await split(nVal, 12), test = await split(nTest, 13);
  const modelPath = join(dir, 'teacher.onnx');
  const dataPath = join(dir, 'data.npz');
  writeFileSync(modelPath, bytes);
  writeFileSync(dataPath, writeNpz({
    train_images: train.images, train_labels: train.labels, val_images: val.images, val_labels: val.labels,
    test_images: test.images, test_labels: test.labels,
  }));
  return { modelPath, dataPath, testLabels: test.labels.data as Uint8Array };
}

/**
 * Every `step`-th image of each split of the embedded example (examples/pneumoniamnist/pneumoniamnist.npz,
 * real chest X-rays; a regular stride keeps each split's class mix), written as a MedMNIST-layout .npz in
 * `dir`. For end-to-end tests whose subject is not the model's quality: a job over a few hundred images
 * instead of 5,856 takes a fraction of the time.
 * @returns the file's path and each split's image count
 */
export function exampleSubset(dir: string, step: { train: number; val: number; test: number }): { dataPath: string; counts: { train: number; val: number; test: number } } {
  const all = loadNpz(join(examples, 'pneumoniamnist.npz'));
  const arrays: Record<string, NdArray> = {};
  const counts = { train: 0, val: 0, test: 0 };
  for (const split of ['train', 'val', 'test'] as const) {
    const images = all[`${split}_images`];
    const labels = all[`${split}_labels`];
    const [n, h, w] = images.shape;
    const keep = Array.from({ length: Math.ceil(n / step[split]) }, (_, i) => i * step[split]);
    const px = new Uint8Array(keep.length * h * w);
    const y = new Uint8Array(keep.length);
    keep.forEach((src, i) => {
      px.set((images.data as Uint8Array).subarray(src * h * w, (src + 1) * h * w), i * h * w);
      y[i] = (labels.data as Uint8Array)[src];
    });
    arrays[`${split}_images`] = ndarray('uint8', [keep.length, h, w], px);
    arrays[`${split}_labels`] = ndarray('uint8', [keep.length, 1], y);
    counts[split] = keep.length;
  }
  const dataPath = join(dir, 'pneumoniamnist-subset.npz');
  writeFileSync(dataPath, writeNpz(arrays));
  return { dataPath, counts };
}
