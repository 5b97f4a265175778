/**
 * External data (model.onnx + model.onnx.data): read in from the model's folder (any working directory) or from
 * uploaded files; the result is one self-contained model; missing or foreign side files are named clearly.
 * Fixture: tests/fixtures/exports/external (model A of plain.onnx saved with all 8 initializers in model.onnx.data).
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { thrownBy } from '../../../tests/helpers/thrown.ts';
import {
  externalDataFiles, hasExternalData, inlineExternalData, modelFromFiles, OnnxError, readModel, readModelBytes, tensorToArray, writeModel,
} from './index.ts';

const exportsDir = new URL('../../../tests/fixtures/exports/', import.meta.url).pathname;
const externalModel = join(exportsDir, 'external', 'model.onnx');
const dataFile = join(exportsDir, 'external', 'model.onnx.data');

function expectOnnxError(fn: () => unknown, code: string, pattern: RegExp) {
  const e = thrownBy(OnnxError, fn);
  expect(e.code).toBe(code);
  expect(e.message).toMatch(pattern);
}

describe('external data', () => {
  it('the fixture keeps every initializer in model.onnx.data', () => {
    expectOnnxError(() => readModel(readFileSync(externalModel), 'upload model.onnx'), 'EXTERNAL_DATA', /upload model.onnx keeps its weights in external data file\(s\) 'model.onnx.data', which are not part of it; pass the model by its path .* or upload the .onnx together with them/);
    const raw = readModel(readFileSync(externalModel), 'model.onnx', { keepExternalData: true }); // nothing is resolved
    expect(hasExternalData(raw)).toBe(true);
    expect(externalDataFiles(raw)).toEqual(['model.onnx.data']);
    expect(raw.graph!.initializer!.length).toBe(8);
    expectOnnxError(() => tensorToArray(raw.graph!.initializer![0]), 'EXTERNAL_DATA', /external file that was not read in; pass the model by its path/);
  });

  it('read by path, the tensors are the same numbers as in the single-file export of the same model', () => {
    const model = readModel(externalModel);
    expect(hasExternalData(model)).toBe(false);
    const plain = readModel(join(exportsDir, 'plain.onnx'));
    const byName = new Map(plain.graph!.initializer!.map((t) => [t.name, tensorToArray(t)]));
    for (const t of model.graph!.initializer!) {
      const a = tensorToArray(t);
      expect(Array.from(a.data as Float32Array), t.name!).toEqual(Array.from(byName.get(t.name)!.data as Float32Array));
      expect(a.dims).toEqual(byName.get(t.name)!.dims);
    }
  });

  it('readModelBytes gives one self-contained file that onnxruntime runs from bytes, with the outputs of the original', async () => {
    const prev = process.cwd();
    process.chdir(tmpdir()); // locations resolve against the model's folder, not the working directory
    let bytes: Uint8Array;
    try {
      bytes = readModelBytes(externalModel);
    } finally {
      process.chdir(prev);
    }
    expect(hasExternalData(readModel(bytes))).toBe(false);
    expect(bytes.byteLength).toBeGreaterThan(readFileSync(dataFile).byteLength);
    const x = new ort.Tensor('float32', Float32Array.from({ length: 3 * 784 }, (_, i) => ((i * 37) % 255) / 255), [3, 1, 28, 28]);
    const fromBytes = await ort.InferenceSession.create(bytes);
    const byPath = await ort.InferenceSession.create(externalModel); // onnxruntime's own external-data reader
    const a = (await fromBytes.run({ input: x })).output.data as Float32Array;
    const b = (await byPath.run({ input: x })).output.data as Float32Array;
    expect(Array.from(a)).toEqual(Array.from(b));
    // a file without external data comes back unchanged, byte for byte
    expect(Buffer.compare(Buffer.from(readModelBytes(join(exportsDir, 'plain.onnx'))), readFileSync(join(exportsDir, 'plain.onnx')))).toBe(0);
  });

  it('a missing side file is an error naming it and where it was expected', () => {
    const dir = mkdtempSync(join(tmpdir(), 'medslim-ext-'));
    copyFileSync(externalModel, join(dir, 'model.onnx'));
    expectOnnxError(() => readModel(join(dir, 'model.onnx')), 'EXTERNAL_DATA', new RegExp(`external data file 'model.onnx.data', which is missing: expected it at ${join(dir, 'model.onnx.data')}`));
    expectOnnxError(() => readModelBytes(join(dir, 'model.onnx')), 'EXTERNAL_DATA', /'model.onnx.data', which is missing/);
  });

  it('a truncated side file, and a location outside the model folder, are refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'medslim-ext-'));
    copyFileSync(externalModel, join(dir, 'model.onnx'));
    writeFileSync(join(dir, 'model.onnx.data'), readFileSync(dataFile).subarray(0, 1000));
    expectOnnxError(() => readModel(join(dir, 'model.onnx')), 'EXTERNAL_DATA', /of 'model.onnx.data', which has 1000 bytes; the data file does not belong to this model or is truncated/);

    const escaping = readModel(readFileSync(externalModel), 'model.onnx', { keepExternalData: true });
    for (const t of escaping.graph!.initializer!) for (const e of t.externalData!) if (e.key === 'location') e.value = '../../etc/passwd';
    writeFileSync(join(dir, 'escape.onnx'), writeModel(escaping));
    expectOnnxError(() => readModel(join(dir, 'escape.onnx')), 'EXTERNAL_DATA', /location '..\/..\/etc\/passwd', which is not a path inside the model's folder/);
  });

  it('from uploaded files: resolved by location; a file not uploaded is named', () => {
    const data = new Uint8Array(readFileSync(dataFile));
    const model = readModel(readFileSync(externalModel), 'upload model.onnx', { keepExternalData: true });
    expect(inlineExternalData(model, (loc) => (loc === 'model.onnx.data' ? data : undefined), 'upload model.onnx')).toEqual(['model.onnx.data']);
    expect(hasExternalData(model)).toBe(false);
    const other = readModel(readFileSync(externalModel), 'upload model.onnx', { keepExternalData: true });
    expectOnnxError(() => inlineExternalData(other, () => undefined, 'upload model.onnx'), 'EXTERNAL_DATA', /upload model.onnx keeps tensor '.*' in the external data file 'model.onnx.data', which was not uploaded with it/);
  });

  it('modelFromFiles: the .onnx and its data files (also in a folder) make one self-contained model, byte-identical to reading it by path', () => {
    const onnxBytes = new Uint8Array(readFileSync(externalModel));
    const data = new Uint8Array(readFileSync(dataFile));
    const byPath = readModelBytes(externalModel);
    const flat = modelFromFiles([{ name: 'model.onnx.data', bytes: data }, { name: 'model.onnx', bytes: onnxBytes }]);
    expect(flat.file).toBe('model.onnx');
    expect(flat.inlined).toEqual(['model.onnx.data']);
    expect(Buffer.compare(Buffer.from(flat.bytes), Buffer.from(byPath))).toBe(0);
    const nested = modelFromFiles([{ name: 'teacher/model.onnx', bytes: onnxBytes }, { name: './teacher/model.onnx.data', bytes: data }]);
    expect(nested.inlined).toEqual(['teacher/model.onnx.data']);
    expect(Buffer.compare(Buffer.from(nested.bytes), Buffer.from(byPath))).toBe(0);
    // A model without external data comes back as sent.
    const plain = new Uint8Array(readFileSync(join(exportsDir, 'plain.onnx')));
    expect(modelFromFiles([{ name: 'plain.onnx', bytes: plain }]).bytes).toBe(plain);
  });

  it('modelFromFiles refuses a missing data file (named), names leaving the upload, no or two .onnx files, and files the model does not use', () => {
    const onnxBytes = new Uint8Array(readFileSync(externalModel));
    const data = new Uint8Array(readFileSync(dataFile));
    expectOnnxError(() => modelFromFiles([{ name: 'model.onnx', bytes: onnxBytes }], 'the uploaded files'), 'EXTERNAL_DATA', /the uploaded files: model.onnx keeps tensor '.*' in the external data file 'model.onnx.data', which was not uploaded with it/);
    // The data file in another folder than the model's is not the one the model names.
    expectOnnxError(() => modelFromFiles([{ name: 'a/model.onnx', bytes: onnxBytes }, { name: 'model.onnx.data', bytes: data }]), 'EXTERNAL_DATA', /'model.onnx.data', which was not uploaded/);
    for (const bad of ['../model.onnx.data', '/etc/model.onnx.data', 'a/../../model.onnx.data', 'C:\\model.onnx.data', '..\\model.onnx.data', '']) {
      expectOnnxError(() => modelFromFiles([{ name: 'model.onnx', bytes: onnxBytes }, { name: bad, bytes: data }]), 'BAD_BUNDLE', /is not a relative path inside the upload/);
    }
    expectOnnxError(() => modelFromFiles([{ name: 'model.onnx.data', bytes: data }]), 'BAD_BUNDLE', /has no .onnx file among 'model.onnx.data'; send exactly one model/);
    expectOnnxError(() => modelFromFiles([{ name: 'model.onnx', bytes: onnxBytes }, { name: 'b.onnx', bytes: onnxBytes }, { name: 'model.onnx.data', bytes: data }]), 'BAD_BUNDLE', /has 2 .onnx files \('model.onnx', 'b.onnx'\)/);
    expectOnnxError(() => modelFromFiles([{ name: 'model.onnx', bytes: onnxBytes }, { name: './model.onnx', bytes: onnxBytes }]), 'BAD_BUNDLE', /two files named 'model.onnx'/);
    expectOnnxError(() => modelFromFiles([{ name: 'model.onnx', bytes: onnxBytes }, { name: 'model.onnx.data', bytes: data }, { name: 'notes.txt', bytes: data }]), 'BAD_BUNDLE', /'notes.txt' is not external data of model.onnx \(it reads 'model.onnx.data'\)/);
  });
});
