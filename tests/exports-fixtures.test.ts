/**
 * The export fixtures' known answers hold under onnxruntime: for every form that can be read, feeding the test
 * (and validation) split through the manifest's contract and taking argmax over the manifest's score output gives
 * exactly the correct counts PyTorch computed when the fixtures were built — an independent runtime agreeing with
 * the reference, so the counts can be trusted by the end-to-end checks of issue 12.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { loadDataset, toModelInput, type Split } from '@medslim/data';
import { fromFloat16Bits, getMetadata, readModel, toFloat16Bits } from '@medslim/onnx';
import { examples } from './helpers/fixtures.ts';
import { exportManifest, exportPath, exportsDir, type ExportForm } from './helpers/exports.ts';

const data = loadDataset(join(examples, 'pneumoniamnist.npz'));
const manifest = exportManifest();

/** The input tensor for `count` images from `start` as the form expects it (dtype, layout, contract). */
function feed(form: ExportForm, split: Split, start: number, count: number): ort.Tensor {
  const [, a, b, c] = form.input.shape.map((d) => (typeof d === 'number' ? d : count));
  const dims = [count, a, b, c] as number[];
  if (form.input.dtype === 'uint8' || form.input.dtype === 'int64') {
    const px = (split.images.data as Uint8Array).subarray(start * 28 * 28, (start + count) * 28 * 28);
    return form.input.dtype === 'uint8'
      ? new ort.Tensor('uint8', Uint8Array.from(px), dims)
      : new ort.Tensor('int64', BigInt64Array.from(px, (v) => BigInt(v)), dims);
  }
  const x = toModelInput(split.images, form.contract, { channels: form.channels, start, count }).data;
  if (form.input.dtype === 'float16') return new ort.Tensor('float16', Uint16Array.from(x, toFloat16Bits), dims);
  return new ort.Tensor('float32', x, dims);
}

/** Row-wise argmax (first index on ties) of a [N, K] score tensor of any numeric dtype. */
function argmaxRows(t: ort.Tensor): number[] {
  const [n, k] = t.dims as number[];
  const raw = t.data as Float32Array | Uint16Array | BigInt64Array;
  const at = (i: number) => (t.type === 'float16' ? fromFloat16Bits((raw as Uint16Array)[i]) : Number(raw[i]));
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (at(i * k + j) > at(i * k + best)) best = j;
    return best;
  });
}

async function correct(session: ort.InferenceSession, form: ExportForm, split: Split): Promise<number> {
  const fixedBatch = typeof form.input.shape[0] === 'number' ? form.input.shape[0] : 0;
  const step = fixedBatch || split.count;
  let right = 0;
  for (let start = 0; start < split.count; start += step) {
    const out = await session.run({ [form.input.name]: feed(form, split, start, step) });
    argmaxRows(out[form.scoreOutput!]).forEach((p, i) => (right += p === split.labels[start + i] ? 1 : 0));
  }
  return right;
}

describe('export fixtures (tests/fixtures/exports)', () => {
  it('the files are the ones the manifest describes (sha256), and the set stays small', () => {
    let total = 0;
    for (const form of manifest.forms) {
      for (const [file, sha] of Object.entries(form.sha256)) {
        const bytes = readFileSync(join(exportsDir, file));
        total += bytes.byteLength;
        expect(createHash('sha256').update(bytes).digest('hex'), file).toBe(sha);
      }
    }
    expect(total).toBeLessThan(1_000_000);
    expect(manifest.testMajority).toBe(390); // PneumoniaMNIST test: 234 normal, 390 pneumonia
  });

  for (const form of manifest.forms.filter((f) => f.expected.outcome === 'read')) {
    it(`${form.file} (${form.form}): onnxruntime's correct counts equal PyTorch's`, async () => {
      const expected = form.expected as Extract<ExportForm['expected'], { outcome: 'read' }>;
      // ORT resolves external data relative to the model's path, so sessions open by path
      const session = await ort.InferenceSession.create(exportPath(form));
      try {
        expect(await correct(session, form, data.splits.test!)).toBe(expected.testCorrect);
        expect(await correct(session, form, data.splits.val!)).toBe(expected.valCorrect);
      } finally {
        await session.release();
      }
      expect(expected.testCorrect).toBeGreaterThan(manifest.testMajority); // a real classifier, not a constant
    });
  }

  it('label-only.onnx has no class-score output: its only output is an int64 label vector', () => {
    const form = manifest.forms.find((f) => f.file === 'label-only.onnx')!;
    expect(form.expected.outcome).toBe('refuse');
    expect(form.outputs).toEqual([{ name: 'label', dtype: 'int64', shape: ['batch'] }]);
  });

  it('with-metadata.onnx carries the contract it is read with; the other forms carry none', () => {
    for (const form of manifest.forms) {
      if (form.file === 'external/model.onnx') continue; // tensors outside the file: read by path in the ORT test
      const meta = getMetadata(readModel(exportPath(form)));
      if (form.form === 'metadata') {
        expect(JSON.parse(meta['medslim.preprocess'])).toEqual(form.contract);
        expect(meta['medslim.labels']).toBe('normal,pneumonia');
      } else {
        expect(meta).toEqual({});
      }
    }
  });
});
