/**
 * Issue 12 through `medslim compress`: export forms whose contract the model does not carry go through the whole
 * job — the teacher read through the one interface (evidence for the contract, NHWC, probabilities → log-probabilities
 * as teacher logits, raw uint8 pixels), its test count equal to the reference, and the student carrying the contract
 * it was trained with. A train split of 256 images keeps the job short; val and test are the full splits.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadNpz, writeNpz, ndarray, type NdArray } from '@medslim/data';
import { readModel } from '@medslim/onnx';
import { tempDir } from './helpers/fixtures.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(repoRoot, 'tests', 'fixtures', 'exports');
const bin = join(repoRoot, 'packages', 'cli', 'bin', 'medslim.js');

/** PneumoniaMNIST with the first 256 train images. */
function smallTrain(dir: string): string {
  const a = loadNpz(new Uint8Array(readFileSync(join(repoRoot, 'examples', 'pneumoniamnist', 'pneumoniamnist.npz'))));
  const cut = (x: NdArray, n: number) => ndarray(x.dtype as 'uint8', [n, ...x.shape.slice(1)], (x.data as Uint8Array).slice(0, n * x.shape.slice(1).reduce((p, q) => p * q, 1)));
  const path = join(dir, 'small.npz');
  writeFileSync(path, writeNpz({ ...a, train_images: cut(a.train_images, 256), train_labels: cut(a.train_labels, 256) }));
  return path;
}
const metadataOf = (path: string) => Object.fromEntries((readModel(new Uint8Array(readFileSync(path))).metadataProps ?? []).map((p) => [p.key!, p.value!]));

describe('medslim compress on export forms', () => {
  it.each([
    ['nhwc-rgb-softmax.onnx', 551, '{"layout":"NCHW","scale":0.00392156862745098,"mean":[0.5],"std":[0.5]}', 'evidence'],
    ['uint8-input.onnx', 551, '{"layout":"NCHW","scale":0.00392156862745098,"mean":[0],"std":[1]}', 'graph'],
  ])('%s: teacher read right (%i/624), the student carries its contract', (file, ref, studentContract, source) => {
    const dir = tempDir();
    const spec = join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({ preset: 'quick', distill: { epochs: 1, minSteps: 0, batchSize: 64 }, prune: { fineTuneEpochs: 0 }, quantize: { calibrationSize: 32 } }));
    const out = join(dir, 'out');
    const r = spawnSync(process.execPath, [bin, 'compress', '--teacher', join(fixtures, file), '--data', smallTrain(dir), '--out', out, '--spec', spec],
      { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' }, timeout: 540_000 });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(Math.round(report.stages[0].test.accuracy * 624)).toBe(ref);
    expect(report.interface.sources.contract).toBe(source);
    for (const f of ['student.onnx', 'pruned.onnx', 'model.int8.onnx']) {
      const meta = metadataOf(join(out, f));
      expect(meta['medslim.preprocess'], f).toBe(studentContract);
      expect(JSON.parse(meta['medslim.output']), f).toEqual({ name: 'logits', kind: 'logits' });
      expect(meta['medslim.contract-source'], f).toBe(source);
    }
    // The student learned from the teacher (a misread teacher gives targets no better than chance).
    expect(report.stages[1].test.auc).toBeGreaterThan(0.8);
  }, 600_000);
});
