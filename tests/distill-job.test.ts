import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { runDistillJob } from '@medslim/pipeline';
import { syntheticTeacherAndData, tempDir } from './helpers/fixtures.ts';

describe('distill job (tiny synthetic teacher and data, wasm backend)', () => {
  it('trains a student, exports it with the teacher contract and lineage, and reports both stages', async () => {
    const dir = tempDir();
    // RGB and 2 classes: the tiny random teacher labels every image with one class when asked for 3, which the
    // job now refuses (one-class splits); students with K > 2 are covered by the student tests (5 classes).
    const { modelPath, dataPath } = await syntheticTeacherAndData(dir, { channels: 3, classes: 2, size: 16, counts: [96, 32, 48] });
    const out = join(dir, 'out');
    const logs: string[] = [];
    const r = await runDistillJob({ teacher: modelPath, data: dataPath, outDir: out, train: { epochs: 2, batchSize: 32, seed: 1 }, cacheDir: join(dir, 'cache'), latencyIterations: 5, throughputIterations: 1, resume: true, log: (m) => logs.push(m) });
    expect(logs).toContain(`resume: no checkpoint at ${join(out, 'checkpoint.bin')}; training from scratch`);
    expect(logs.filter((l) => l.startsWith('training backend: wasm'))).toHaveLength(1); // said once
    expect(r.report.stages.map((s) => s.name)).toEqual(['teacher', 'student']);
    const t = r.report.training as { backend: string; epochs: number; history: unknown[]; imagesPerSecond: number; studentParams: number; teacherParams: number };
    expect(t.backend).toBe('wasm');
    expect(t.history).toHaveLength(2);
    expect(t.imagesPerSecond).toBeGreaterThan(0);
    const s = new Uint8Array(readFileSync(join(out, 'student.onnx')));
    const session = await ort.InferenceSession.create(s);
    expect(session.inputNames).toEqual(['input']);
    const meta = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(meta.stages[1].test.perClass).toHaveLength(2);
    expect(existsSync(join(dir, 'cache'))).toBe(true); // teacher logits cached for the next run
  });

  it('function matching (mixup, brightness/contrast, online teacher in its thread): two runs with the same seed give the same student.onnx, no logits cached', async () => {
    const dir = tempDir();
    const { modelPath, dataPath } = await syntheticTeacherAndData(dir, { channels: 3, classes: 2, size: 16, counts: [96, 32, 48] });
    const run = async (name: string) => {
      const r = await runDistillJob({ teacher: modelPath, data: dataPath, outDir: join(dir, name), train: { epochs: 1, batchSize: 32, seed: 3, threads: 2, mixup: 1, brightness: 0.2, contrast: 0.2, maxShift: 1 }, cacheDir: join(dir, 'cache'), latencyIterations: 2, throughputIterations: 1 });
      expect((r.report.training as { config: { onlineTeacher: boolean } }).config.onlineTeacher).toBe(true);
      return createHash('sha256').update(readFileSync(r.studentPath)).digest('hex');
    };
    expect(await run('a')).toBe(await run('b'));
    expect(existsSync(join(dir, 'cache'))).toBe(false); // the teacher ran online only
  });

  it('fails clearly before training: teacher classes ≠ dataset classes, image size ≠ teacher input, a thread count that is not a positive integer', async () => {
    const dir = tempDir();
    for (const sub of ['a', 'b', 'c']) mkdirSync(join(dir, sub));
    const a = await syntheticTeacherAndData(join(dir, 'a'), { channels: 1, classes: 2, size: 16, counts: [16, 8, 8] });
    const three = await syntheticTeacherAndData(join(dir, 'b'), { channels: 1, classes: 3, size: 16, counts: [16, 8, 8] });
    const small = await syntheticTeacherAndData(join(dir, 'c'), { channels: 1, classes: 2, size: 8, counts: [16, 8, 8] });
    const out = join(dir, 'out');
    await expect(runDistillJob({ teacher: three.modelPath, data: a.dataPath, outDir: out })).rejects.toThrowError(/teacher outputs 3 classes but the dataset.s labels have 2 \(0…1\); use the teacher trained on this dataset$/);
    await expect(runDistillJob({ teacher: a.modelPath, data: small.dataPath, outDir: out })).rejects.toThrowError(/8×8 but the model input 'input' expects 16×16/);
    await expect(runDistillJob({ teacher: a.modelPath, data: a.dataPath, outDir: out, train: { threads: 1.5 } })).rejects.toThrowError(/threads must be an integer ≥ 1; got 1.5/);
    expect(existsSync(out)).toBe(false);
  });
});
