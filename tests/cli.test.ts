import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ndarray, writeNpz } from '@medslim/data';
import { repoRoot, seededImages, syntheticTeacherAndData, tempDir } from './helpers/fixtures.ts';

const bin = join(repoRoot, 'packages', 'cli', 'bin', 'medslim.js');
function medslim(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('medslim CLI: bad input fails clearly with exit code 2', () => {
  let dir: string, model: string, data: string;
  beforeAll(async () => {
    dir = tempDir();
    ({ modelPath: model, dataPath: data } = await syntheticTeacherAndData(dir, { channels: 1, classes: 2, size: 8, counts: [32, 8, 16] }));
  });
  const quantize = (m: string, d: string) => medslim('quantize', '--model', m, '--data', d, '--out', join(dir, 'out'));

  it('a file that is not ONNX', () => {
    const notOnnx = join(dir, 'notes.onnx');
    writeFileSync(notOnnx, 'this is a text file, not a model\n');
    const r = quantize(notOnnx, data);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\[NOT_ONNX\].*notes.onnx is not an ONNX model/);
  });

  it('a truncated ONNX file', () => {
    const bytes = readFileSync(model);
    const truncated = join(dir, 'truncated.onnx');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
    const r = quantize(truncated, data);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\[TRUNCATED\].*truncated ONNX file.*upload or copy the whole file again/);
  });

  it('an npz without the expected keys', () => {
    const npz = join(dir, 'wrong-keys.npz');
    writeFileSync(npz, writeNpz({ x_train: seededImages(4, 8, 1, 1), y_train: ndarray('uint8', [4], new Uint8Array(4)) }));
    const r = quantize(model, npz);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\[NPZ_MISSING_KEY\].*test_images/);
    expect(r.stderr).toMatch(/x_train/); // lists the keys present
  });

  it('labels outside [0, K)', () => {
    const npz = join(dir, 'bad-labels.npz');
    const labels = new Uint8Array(16);
    labels[5] = 7;
    writeFileSync(npz, writeNpz({
      train_images: seededImages(16, 8, 1, 2), train_labels: ndarray('uint8', [16, 1], new Uint8Array(16)),
      val_images: seededImages(4, 8, 1, 3), val_labels: ndarray('uint8', [4, 1], new Uint8Array(4)),
      test_images: seededImages(16, 8, 1, 4), test_labels: ndarray('uint8', [16, 1], labels),
    }));
    const r = quantize(model, npz);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\[LABEL_OUT_OF_RANGE\].*\[0, 2\).*7.*index 5/);
  });

  it('an image size that does not match the model input', () => {
    const npz = join(dir, 'size.npz');
    const y = () => ndarray('uint8', [4, 1], new Uint8Array(4));
    writeFileSync(npz, writeNpz({
      train_images: seededImages(4, 12, 1, 5), train_labels: y(), val_images: seededImages(4, 12, 1, 6), val_labels: y(),
      test_images: seededImages(4, 12, 1, 7), test_labels: y(),
    }));
    const r = quantize(model, npz);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\[SIZE_MISMATCH\].*12×12.*expects 8×8/);
  });

  it('an empty calibration (train) split', () => {
    const npz = join(dir, 'empty-train.npz');
    writeFileSync(npz, writeNpz({
      train_images: ndarray('uint8', [0, 8, 8], new Uint8Array(0)), train_labels: ndarray('uint8', [0, 1], new Uint8Array(0)),
      val_images: seededImages(4, 8, 1, 8), val_labels: ndarray('uint8', [4, 1], new Uint8Array(4)),
      test_images: seededImages(4, 8, 1, 9), test_labels: ndarray('uint8', [4, 1], new Uint8Array(4)),
    }));
    const r = quantize(model, npz);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\[EMPTY_CALIBRATION\].*calibration split is empty \(train has 0 images/);
  });

  it('a missing file, a missing option and an unknown option', () => {
    expect(quantize(join(dir, 'nope.onnx'), data)).toMatchObject({ code: 2 });
    const r = medslim('quantize', '--model', model, '--data', data);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out is required/);
    const u = medslim('quantize', '--model', model, '--data', data, '--out', dir, '--calibrater', 'minmax');
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/Unknown option '--calibrater'/);
    expect(medslim('frobnicate').code).toBe(2);
  });
});

describe('medslim CLI: inspect and quantize', () => {
  it('inspect prints the summary of the demo teacher', () => {
    const r = medslim('inspect', join(repoRoot, 'examples', 'pneumoniamnist', 'pneumoniamnist-resnet18.onnx'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/input: float32 \[N, 1, 28, 28\]/);
    expect(r.stdout).toMatch(/parameters: 11,163,906/);
    expect(r.stdout).toMatch(/medslim.labels = normal,pneumonia/);
  });

  it('quantize on a small model writes the three outputs and prints where they are (quiet without a TTY)', async () => {
    const dir = tempDir();
    const { modelPath, dataPath } = await syntheticTeacherAndData(dir, { channels: 1, classes: 3, size: 8, counts: [32, 8, 24] });
    const r = medslim('quantize', '--model', modelPath, '--data', dataPath, '--out', join(dir, 'q'), '--calibrator', 'entropy', '--calibration-size', '32');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(''); // no progress bars when stderr is not a TTY
    expect(r.stdout).toMatch(/report: .*report.json and .*report.md/);
    const report = JSON.parse(readFileSync(join(dir, 'q', 'report.json'), 'utf8'));
    expect(report.quantization.calibrator).toBe('entropy');
    expect(report.quantization.calibrationImages).toBe(32);
  });
});

describe('medslim CLI: more bad input found by a newcomer (exit 2, no stack trace)', () => {
  it('a directory as the model, a null spec, a short admin key, a mistyped --exclude', async () => {
    const dir = tempDir();
    const { modelPath, dataPath } = await syntheticTeacherAndData(dir, { channels: 1, classes: 2, size: 8, counts: [32, 8, 16] });
    const asDir = medslim('quantize', '--model', dir, '--data', dataPath, '--out', join(dir, 'o'));
    expect(asDir.code).toBe(2);
    expect(asDir.stderr).toMatch(/\[EISDIR\]: a directory was given where a file is expected/);
    expect(asDir.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(medslim('inspect', dir).code).toBe(2);
    const spec = join(dir, 'null.json');
    writeFileSync(spec, 'null');
    const nullSpec = medslim('compress', '--spec', spec, '--teacher', modelPath, '--data', dataPath, '--out', join(dir, 'c'));
    expect(nullSpec.code).toBe(2);
    expect(nullSpec.stderr).toMatch(/must hold a JSON object/);
    const exclude = medslim('quantize', '--model', modelPath, '--data', dataPath, '--out', join(dir, 'x'), '--exclude', 'NoSuchNode');
    expect(exclude.code).toBe(2);
    expect(exclude.stderr).toMatch(/exclude: 'NoSuchNode' matches no node name or op type.*'fc'/);
    const { readModel } = await import('@medslim/onnx');
    const everyOp = [...new Set(readModel(readFileSync(modelPath)).graph!.node!.map((n) => n.opType!))].join(',');
    const all = medslim('quantize', '--model', modelPath, '--data', dataPath, '--out', join(dir, 'x'), '--exclude', everyOp);
    expect(all.code, all.stderr).toBe(2); // was exit 1: "'fetches' cannot be an empty array" from onnxruntime
    expect(all.stderr).toMatch(/nothing to quantize in this model: exclude .* covers every node/);
    const big = medslim('quantize', '--model', modelPath, '--data', dataPath, '--out', join(dir, 'x'), '--calibration-size', '99999999999999999999');
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(/--calibration-size must be an integer/);
    const r = spawnSync(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', join(dir, 'd')], { encoding: 'utf8', env: { ...process.env, MEDSLIM_ADMIN_KEY: 'short' }, timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/at least 20 characters/);
  });
});

describe('medslim compress: the gate decision and the exit code', () => {
  it('exits 0 with the gate printed; with --require-gate a failed gate exits 3 (the second run reuses every cached stage)', async () => {
    const dir = tempDir();
    const { modelPath, dataPath } = await syntheticTeacherAndData(dir, { channels: 1, classes: 2, size: 16, counts: [64, 32, 32] });
    const spec = join(dir, 'spec.json');
    // Budgets no compressed model meets: agreement with the teacher must be 100 % and AUC may not drop at all.
    writeFileSync(spec, JSON.stringify({ preset: 'quick', distill: { epochs: 1, batchSize: 32 }, prune: { fineTuneEpochs: 1 }, quantize: { calibrationSize: 32 }, budgets: { agreement: 1, auc: 0, ece: 0, sensitivity: 0 } }));
    const args = ['compress', '--spec', spec, '--teacher', modelPath, '--data', dataPath, '--out', join(dir, 'out')];
    const first = medslim(...args);
    expect(first.stderr).not.toMatch(/\n\s+at /);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/gate: FAILED \(decided by point estimates on the test split\) — /);
    const strict = medslim(...args, '--require-gate');
    expect(strict.code).toBe(3);
    expect(strict.stdout).toMatch(/gate: FAILED \(decided by point estimates on the test split\) — /);
    expect(strict.stdout).toMatch(/cached stages: .*distill/);
  });
});

describe('medslim CLI: bad input found by the second newcomer check (exit 2, no stack trace)', () => {
  it('a bad thread count, an empty or non-numeric flag value, a file where --out needs a directory, one-class splits', async () => {
    const dir = tempDir();
    const { modelPath, dataPath } = await syntheticTeacherAndData(dir, { channels: 1, classes: 2, size: 8, counts: [32, 8, 16] });
    const noTrace = (r: { stderr: string }) => expect(r.stderr).not.toMatch(/\n\s+at /);
    const batch = medslim('distill', '--teacher', modelPath, '--data', dataPath, '--out', join(dir, 'b'), '--threads', '0');
    expect(batch.code).toBe(2);
    expect(batch.stderr).toMatch(/--threads must be an integer in \[1, 256\]; got '0'/);
    noTrace(batch);
    for (const [flag, value] of [['--budget-auc', ''], ['--target-params-reduction', ' '], ['--epochs', 'abc']] as const) {
      const r = medslim('compress', '--teacher', modelPath, '--data', dataPath, '--out', join(dir, 'c'), '--preset', 'quick', `${flag}=${value}`);
      expect(r.code, `${flag}=${value}`).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`${flag} must be a number; got '${value}'`));
    }
    const schedule = medslim('compress', '--teacher', modelPath, '--data', dataPath, '--out', join(dir, 'c'), '--prune-schedule', '0.25,x');
    expect([schedule.code, schedule.stderr]).toEqual([2, expect.stringMatching(/--prune-schedule must be comma-separated fractions like 0\.25,0\.5,0\.65 \(got an entry 'x'\); got 'x'/)]);
    const down = medslim('compress', '--teacher', modelPath, '--data', dataPath, '--out', join(dir, 'c'), '--prune-schedule', '0.5,0.25');
    expect([down.code, down.stderr]).toEqual([2, expect.stringMatching(/prune\.schedule must be strictly increasing/)]);
    expect(medslim('distill', '--teacher', modelPath, '--data', dataPath, '--out', join(dir, 'd'), '--seed=').code).toBe(2);
    const jitter = medslim('distill', '--teacher', modelPath, '--data', dataPath, '--out', join(dir, 'd'), '--brightness', '1');
    expect(jitter.code).toBe(2);
    expect(jitter.stderr).toMatch(/--brightness must be a number in \[0, 1\); got '1'/);
    const ema = medslim('distill', '--teacher', modelPath, '--data', dataPath, '--out', join(dir, 'd'), '--ema', '1');
    expect([ema.code, ema.stderr]).toEqual([2, expect.stringMatching(/--ema must be a number in \[0, 1\); got '1'/)]);
    const soft = medslim('distill', '--teacher', modelPath, '--data', dataPath, '--out', join(dir, 'd'), '--soft-loss', 'l2');
    expect([soft.code, soft.stderr]).toEqual([2, expect.stringMatching(/--soft-loss must be kl or logit-mse; got 'l2'/)]);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    const out = medslim('distill', '--teacher', modelPath, '--data', dataPath, '--out', file, '--epochs', '1');
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/\[EEXIST\]: a file is in the way where a directory is needed/);
    noTrace(out);
    const npz = join(dir, 'one-class.npz');
    const zeros = (n: number) => ndarray('uint8', [n], new Uint8Array(n));
    writeFileSync(npz, writeNpz({
      train_images: seededImages(32, 8, 1, 11), train_labels: zeros(32), val_images: seededImages(8, 8, 1, 12), val_labels: zeros(8),
      test_images: seededImages(16, 8, 1, 13), test_labels: ndarray('uint8', [16], Uint8Array.from({ length: 16 }, (_, i) => i % 2)),
    }));
    const one = medslim('distill', '--teacher', modelPath, '--data', npz, '--out', join(dir, 'o'), '--epochs', '1');
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/the train split has images of one class only \(label 0\).*check the train_labels array/);

    const outside = join(dir, 'label-7.npz');
    const alternating = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 2);
    const train = alternating(32);
    train[5] = 7;
    writeFileSync(outside, writeNpz({
      train_images: seededImages(32, 8, 1, 14), train_labels: ndarray('uint8', [32], train), val_images: seededImages(8, 8, 1, 15), val_labels: ndarray('uint8', [8], alternating(8)),
      test_images: seededImages(16, 8, 1, 16), test_labels: ndarray('uint8', [16], alternating(16)),
    }));
    const seven = medslim('distill', '--teacher', modelPath, '--data', outside, '--out', join(dir, 's'), '--epochs', '1');
    expect(seven.code).toBe(2);
    expect(seven.stderr).toMatch(/\[CLASS_MISMATCH\]: the teacher outputs 2 classes but the dataset's labels have 8 \(0…7\); use the teacher trained on this dataset, or fix labels outside \[0, 2\)/);
  });
});

describe('medslim serve: a first start that cannot listen', () => {
  it('exits 2 naming the busy port and still prints the admin key it created (it is never shown again)', async () => {
    const dir = tempDir();
    const { createServer } = await import('node:net');
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const env = { ...process.env };
      delete env.MEDSLIM_ADMIN_KEY;
      const r = spawnSync(process.execPath, [bin, 'serve', '--port', String(port), '--data-dir', join(dir, 'd'), '--no-worker'], { encoding: 'utf8', env, timeout: 60_000 });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`port ${port} on 127.0.0.1 is already in use`));
      expect(r.stdout).toMatch(/admin key \(tenant '[^']+', role platform: manages every tenant's keys\) — created before the server failed to start, shown once, store it now:\n {2}\S{20,}/);
    } finally {
      busy.close();
    }
  });
});
