/**
 * A teacher whose weights live in an external data file (model.onnx + model.onnx.data), through the CLI by path
 * from another working directory: read right (the known answer of tests/fixtures/exports), the INT8 output is one
 * self-contained file, and a missing side file exits 2 naming it.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { hasExternalData, readModel, setMetadata, writeModel } from '@medslim/onnx';
import { examples, repoRoot, tempDir } from './helpers/fixtures.ts';
import { exportForm, exportsDir } from './helpers/exports.ts';

const bin = join(repoRoot, 'packages', 'cli', 'bin', 'medslim.js');
function medslim(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' }, timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The external-data fixture copied to `dir/teacher/` with its contract in metadata (this test is about the files, not the contract). */
function externalTeacher(dir: string, withData = true): string {
  const form = exportForm('external/model.onnx');
  const folder = join(dir, 'teacher');
  mkdirSync(folder, { recursive: true });
  const model = readModel(readFileSync(join(exportsDir, 'external', 'model.onnx')), 'model.onnx', { keepExternalData: true });
  setMetadata(model, { 'medslim.preprocess': JSON.stringify(form.contract), 'medslim.labels': form.labels.join(',') });
  writeFileSync(join(folder, 'model.onnx'), writeModel(model));
  if (withData) copyFileSync(join(exportsDir, 'external', 'model.onnx.data'), join(folder, 'model.onnx.data'));
  return join(folder, 'model.onnx');
}

describe('external data through the CLI', () => {
  it('quantize by path from another working directory: teacher accuracy is the known answer, model.int8.onnx is self-contained', async () => {
    const dir = tempDir();
    const teacher = externalTeacher(dir);
    const elsewhere = join(dir, 'cwd');
    mkdirSync(elsewhere);
    const r = medslim(elsewhere, 'quantize', '--model', teacher, '--data', join(examples, 'pneumoniamnist.npz'), '--out', 'q', '--calibration-size', '64');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(elsewhere, 'q', 'report.json'), 'utf8'));
    const expected = exportForm('external/model.onnx').expected as { testCorrect: number; testTotal: number };
    expect(Math.round(report.stages[0].test.accuracy * expected.testTotal)).toBe(expected.testCorrect); // 551/624
    const int8 = new Uint8Array(readFileSync(join(elsewhere, 'q', 'model.int8.onnx')));
    expect(hasExternalData(readModel(int8))).toBe(false);
    const session = await ort.InferenceSession.create(int8); // from bytes alone: no side file needed
    expect(session.inputNames).toEqual(['input']);
    await session.release();
  });

  it('inspect reads it from another directory; a missing model.onnx.data exits 2 naming the file and where it was expected', () => {
    const dir = tempDir();
    const ok = medslim(tmpRoot(dir), 'inspect', externalTeacher(dir));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/parameters: 5,954/);

    const lonely = tempDir();
    const teacher = externalTeacher(lonely, false);
    for (const r of [
      medslim(lonely, 'inspect', teacher),
      medslim(lonely, 'quantize', '--model', teacher, '--data', join(examples, 'pneumoniamnist.npz'), '--out', join(lonely, 'q')),
    ]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/\[EXTERNAL_DATA\].*'model.onnx.data', which is missing: expected it at .*teacher\/model.onnx.data/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });
});

function tmpRoot(dir: string): string {
  const d = join(dir, 'elsewhere');
  mkdirSync(d, { recursive: true });
  return d;
}
