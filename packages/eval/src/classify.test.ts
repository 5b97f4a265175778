import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLogits } from './classify.ts';
import { writeModel } from '@medslim/onnx';
import { tinyGemm, tinyGemmLogits } from '@medslim/onnx/testing';
import { errorCode } from './test-utils.ts';

// 5 images [1,2,2] = 4 pixels each. Model: logits = flatten(x) · W + b with
// W = [[1,0],[0,1],[1,-1],[2,0.5]], b = [0.5,-1] (see @medslim/onnx/testing tinyGemm).
const images = Float32Array.from([
  [1, 2, 3, 4], //        → [0.5+1+3+8,  -1+2-3+2]           = [12.5, 0]
  [0, 0, 0, 0], //        → b                                 = [0.5, -1]
  [-1, -2, -3, -4], //    → [0.5-1-3-8, -1-2+3-2]             = [-11.5, -2]
  [0.5, 0.25, -0.5, 1], // → [0.5+0.5-0.5+2, -1+0.25+0.5+0.5] = [2.5, 0.25]
  [-1, 0.5, 2, -0.25], // → [0.5-1+2-0.5, -1+0.5-2-0.125]     = [1, -2.625]
].flat());
const expected = [12.5, 0, 0.5, -1, -11.5, -2, 2.5, 0.25, 1, -2.625];

let session: ort.InferenceSession;
beforeAll(async () => {
  session = await ort.InferenceSession.create(writeModel(tinyGemm()));
});
afterAll(async () => {
  await session.release();
});

const code = errorCode;

describe('runLogits', () => {
  it('returns hand-computed [N,K] logits across batches incl. a partial last batch', async () => {
    const progress: [number, number][] = [];
    const { logits, numClasses } = await runLogits(
      session,
      { data: images, dims: [5, 1, 2, 2] },
      { batchSize: 2, onBatch: (done, total) => progress.push([done, total]) },
    );
    expect(numClasses).toBe(2);
    expect(logits).toBeInstanceOf(Float32Array);
    expect(Array.from(logits)).toEqual(expected);
    expect(progress).toEqual([
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
    for (let i = 0; i < 5; i++) {
      expect(Array.from(logits.subarray(2 * i, 2 * i + 2))).toEqual(tinyGemmLogits(images.subarray(4 * i, 4 * i + 4)));
    }
  });

  it('gives the same logits with the default batch size', async () => {
    const { logits } = await runLogits(session, { data: images, dims: [5, 1, 2, 2] });
    expect(Array.from(logits)).toEqual(expected);
  });

  it('rejects NaN outputs, bad dims and bad options', async () => {
    const withNaN = images.slice();
    withNaN[9] = NaN; // image 2 → its logits become NaN
    expect(await code(runLogits(session, { data: withNaN, dims: [5, 1, 2, 2] }))).toBe('NON_FINITE');
    await expect(runLogits(session, { data: withNaN, dims: [5, 1, 2, 2] })).rejects.toThrow(/image 2/);
    expect(await code(runLogits(session, { data: images, dims: [4, 1, 2, 2] }))).toBe('LENGTH_MISMATCH');
    expect(await code(runLogits(session, { data: images, dims: [5, 4] }))).toBe('INVALID_ARGUMENT');
    expect(await code(runLogits(session, { data: images, dims: [5, 1, 2, 2] }, { batchSize: 0 }))).toBe('INVALID_ARGUMENT');
    expect(await code(runLogits(session, { data: new Float32Array(0), dims: [0, 1, 2, 2] }))).toBe('EMPTY_INPUT');
    // Wrong image size for the model: onnxruntime error wrapped with context.
    expect(await code(runLogits(session, { data: new Float32Array(30), dims: [5, 1, 2, 3] }))).toBe('INFERENCE_FAILED');
  });

  it('rejects a model whose output is not [n,K]', async () => {
    const bad = await ort.InferenceSession.create(writeModel(tinyGemm('identity')));
    try {
      expect(await code(runLogits(bad, { data: images, dims: [5, 1, 2, 2] }))).toBe('BAD_MODEL_OUTPUT');
    } finally {
      await bad.release();
    }
  });
});
