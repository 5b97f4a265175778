import { existsSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadDataset, toModelInput } from '@medslim/data';
import { createOnlineTeacher } from './online-teacher.ts';
import { teacherSignal } from '../teacher.ts';

const teacherPath = 'examples/pneumoniamnist/pneumoniamnist-resnet18.onnx';
const dataPath = 'examples/pneumoniamnist/pneumoniamnist.npz';

describe('online teacher (onnxruntime-node in its own thread)', () => {
  it('returns the logits the offline teacher pass computes for the same NHWC images, batch by batch', async () => {
    expect(existsSync(teacherPath)).toBe(true); // the repo holds this example: never skipped
    const model = new Uint8Array(readFileSync(teacherPath));
    const ds = loadDataset(dataPath);
    const contract = { scale: 1 / 255, mean: [0.5], std: [0.5] };
    const opts = { channels: 1, height: 28, width: 28, count: 40 };
    const nchw = toModelInput(ds.splits.train!.images, { ...contract, layout: 'NCHW' }, opts);
    const nhwc = toModelInput(ds.splits.train!.images, { ...contract, layout: 'NHWC' }, opts).data;
    const score = async () => {
      const session = await ort.InferenceSession.create(model);
      try {
        const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', nchw.data, nchw.dims) });
        return { logits: out[session.outputNames[0]].data as Float32Array, numClasses: 2 };
      } finally {
        await session.release();
      }
    };
    const offline = (await teacherSignal({ model, splits: { train: 40 }, score, datasetSha256: 'test', contract: { ...contract, layout: 'NCHW' } })).train.logits;
    const teacher = await createOnlineTeacher({ model, height: 28, width: 28, channels: 1 });
    try {
      // Two requests in flight at once (as training issues them), answered in order.
      const [a, b] = await Promise.all([teacher.logits(nhwc.subarray(0, 24 * 784), 24), teacher.logits(nhwc.subarray(24 * 784), 16)]);
      const online = new Float32Array([...a, ...b]);
      expect(online.length).toBe(80);
      const spread = Math.max(...Array.from(offline, Math.abs));
      expect(spread).toBeGreaterThan(0.1);
      // Same model, same images: only float rounding of different batchings and thread counts differs.
      online.forEach((v, i) => expect(Math.abs(v - offline[i])).toBeLessThan(1e-4 * spread));
    } finally {
      await teacher.close();
    }
  });

  it('rejects a model that is not ONNX with onnxruntime\'s reason', async () => {
    await expect(createOnlineTeacher({ model: new Uint8Array([1, 2, 3]), height: 28, width: 28, channels: 1 })).rejects.toThrow(/online teacher/);
  });
});
