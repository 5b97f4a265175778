import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadDataset, toModelInput } from '@medslim/data';
import { createSession, resolveModelInterface, scoreImages, studentContract } from '@medslim/intake';
import { createOnlineTeacher } from './online-teacher.ts';
import { teacherSignal } from '../teacher.ts';

const teacherPath = 'examples/pneumoniamnist/pneumoniamnist-resnet18.onnx';
const dataPath = 'examples/pneumoniamnist/pneumoniamnist.npz';
const exportsDir = 'tests/fixtures/exports';

/**
 * The online teacher against the offline teacher pass (intake's scoreImages, as prepareTrainingData runs it) on
 * the same 40 train images: the online teacher receives them as the student trains on them — NHWC float32 in the
 * student's contract — and must give the same logits-equivalent scores.
 */
async function compare(file: string, expectKind: string) {
  expect(existsSync(file)).toBe(true); // the repo holds these: never skipped
  const model = new Uint8Array(readFileSync(file));
  const ds = loadDataset(dataPath);
  const iface = await resolveModelInterface(model, { dataset: ds, what: file });
  expect(iface.output.kind).toBe(expectKind);
  const contract = studentContract(iface);
  const train = ds.splits.train!;
  const opts = { channels: iface.input.channels, height: 28, width: 28, count: 40 };
  const nhwc = toModelInput(train.images, { ...contract, layout: 'NHWC' }, opts).data;
  const session = await createSession(model);
  const score = async () => {
    try {
      return await scoreImages(session, iface, train.images, { indices: Int32Array.from({ length: 40 }, (_, i) => i) });
    } finally {
      await session.release();
    }
  };
  const offline = (await teacherSignal({ model, splits: { train: 40 }, score, datasetSha256: 'test', contract: iface.contract })).train.logits;
  const teacher = await createOnlineTeacher({ model, iface, contract });
  try {
    // Two requests in flight at once (as training issues them), answered in order.
    const per = 28 * 28 * iface.input.channels;
    const [a, b] = await Promise.all([teacher.logits(nhwc.subarray(0, 24 * per), 24), teacher.logits(nhwc.subarray(24 * per), 16)]);
    const online = new Float32Array([...a, ...b]);
    expect(online.length).toBe(80);
    const spread = Math.max(...Array.from(offline, Math.abs));
    expect(spread).toBeGreaterThan(0.1);
    // Same model, same images: only float rounding of different batchings and thread counts differs.
    online.forEach((v, i) => expect(Math.abs(v - offline[i])).toBeLessThan(1e-4 * spread));
    return { online, iface };
  } finally {
    await teacher.close();
  }
}

describe('online teacher (onnxruntime-node in its own thread, through the model interface)', () => {
  it('returns the scores the offline teacher pass computes for the same images: the demo teacher (contract from its metadata)', async () => {
    await compare(teacherPath, 'logits');
  });

  it('an NHWC RGB teacher with a softmax output (contract by evidence): fed NHWC, 3 channels; scores are log-probabilities', async () => {
    const { online } = await compare(`${exportsDir}/nhwc-rgb-softmax.onnx`, 'probabilities');
    for (let i = 0; i < 40; i++) expect(Math.exp(online[2 * i]) + Math.exp(online[2 * i + 1])).toBeCloseTo(1, 4);
  });

  it('a uint8-input teacher with batch fixed to 1 (the raw pixels the x/255 training values stand for, image by image)', async () => {
    const { iface } = await compare(`${exportsDir}/uint8-input.onnx`, 'logits');
    expect(iface.input.dtype).toBe('uint8');
    const { iface: b1 } = await compare(`${exportsDir}/batch1.onnx`, 'logits');
    expect(b1.input.batch).toBe(1);
  });

  it('rejects a model that is not ONNX with onnxruntime\'s reason', async () => {
    const iface = await resolveModelInterface(new Uint8Array(readFileSync(teacherPath))); // metadata and a fixed 28×28 input settle it
    await expect(createOnlineTeacher({ model: new Uint8Array([1, 2, 3]), iface, contract: studentContract(iface) })).rejects.toThrow(/online teacher/);
  });
});
