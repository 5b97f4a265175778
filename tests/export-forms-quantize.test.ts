/**
 * Quantizing the graph forms of issue 12 that are about the graph itself (tests/fixtures/exports): a legacy
 * opset-11 export is upgraded to 13 for per-channel weights; one that cannot be upgraded is quantized per-tensor
 * and the report says why; bias-free convolutions, a BatchNormalization after a ReLU (cannot fold) and one weight
 * used by two Conv nodes quantize correctly. Teacher counts are the manifest's known answers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModel, tensorToArray, writeModel } from '@medslim/onnx';
import { runQuantizeJob } from '@medslim/pipeline';
import { examples, tempDir } from './helpers/fixtures.ts';
import { exportForm, withContractMetadata } from './helpers/exports.ts';

const data = join(examples, 'pneumoniamnist.npz');
const quick = { calibrationSize: 128, latencyIterations: 5, throughputIterations: 1 };

function counts(report: { stages: { test: { accuracy: number } }[] }, total: number): number[] {
  return report.stages.map((s) => Math.round(s.test.accuracy * total));
}

describe('quantize: legacy opsets and odd layers', () => {
  it('opset 11 with auto-generated names: upgraded to 13, per-channel, teacher count = known answer', async () => {
    const form = exportForm('legacy-opset11.onnx');
    const expected = form.expected as { testCorrect: number; testTotal: number };
    const dir = tempDir();
    const { report } = await runQuantizeJob({ model: withContractMetadata(form, dir), data, outDir: join(dir, 'q'), ...quick });
    const q = report.quantization as Record<string, any>;
    expect(q.opset).toEqual({ from: 11, to: 13, upgraded: true, changes: ['Squeeze ×2: axes attribute → input'], blockers: [] });
    expect(q.perChannel).toBe(true);
    const [teacher, int8] = counts(report, expected.testTotal);
    expect(teacher).toBe(expected.testCorrect); // 551
    expect(Math.abs(int8 - teacher)).toBeLessThanOrEqual(6); // INT8 within 1 point of the teacher
    const md = readFileSync(join(dir, 'q', 'report.md'), 'utf8');
    expect(md).toMatch(/Opset: the teacher's opset 11 graph was upgraded to 13 for per-channel weights/);
    const int8Model = readModel(join(dir, 'q', 'model.int8.onnx'));
    expect(int8Model.graph!.input!.map((i) => i.name)).toEqual(['input.1']); // its names are kept
  });

  it('an opset that cannot be upgraded (10) is quantized per-tensor and the report says why', async () => {
    const form = exportForm('legacy-opset11.onnx');
    const dir = tempDir();
    const m = readModel(withContractMetadata(form, dir));
    m.opsetImport![0].version = 10; // its ops (Conv, Relu, GlobalAveragePool, Squeeze, Gemm) mean the same at 10
    const path = join(dir, 'opset10.onnx');
    writeFileSync(path, writeModel(m));
    const { report } = await runQuantizeJob({ model: path, data, outDir: join(dir, 'q'), ...quick });
    const q = report.quantization as Record<string, any>;
    expect(q.perChannel).toBe(false);
    expect(q.weights).toMatch(/^int8 symmetric per-tensor/);
    expect(q.opset.upgraded).toBe(false);
    expect(q.opset.perTensorBecause).toMatch(/per-channel weights need opset 13 and the opset-10 graph cannot be upgraded: opset 10 is older than 11/);
    expect(counts(report, 624)[0]).toBe((form.expected as { testCorrect: number }).testCorrect);
    expect(readFileSync(join(dir, 'q', 'report.md'), 'utf8')).toMatch(/Opset 10: weights are per-tensor — per-channel weights need opset 13/);
  });

  it('bias-free convs, Conv→ReLU→BN and a shared weight: the shared weight is quantized once and feeds both Convs', async () => {
    const form = exportForm('odd-layers.onnx');
    const expected = form.expected as { testCorrect: number; testTotal: number };
    const dir = tempDir();
    const { report, modelPath } = await runQuantizeJob({ model: withContractMetadata(form, dir), data, outDir: join(dir, 'q'), ...quick });
    const [teacher, int8] = counts(report, expected.testTotal);
    expect(teacher).toBe(expected.testCorrect); // 529
    expect(Math.abs(int8 - teacher)).toBeLessThanOrEqual(6);
    const q = report.quantization as Record<string, any>;
    expect(q.quantizedOps.Conv).toBe(4);
    expect(q.floatNodes.map((f: { opType: string }) => f.opType)).toContain('BatchNormalization'); // stays float between QDQ pairs

    const g = readModel(modelPath).graph!;
    const init = new Map(g.initializer!.map((t) => [t.name!, t]));
    const dqOf = new Map(g.node!.filter((n) => n.opType === 'DequantizeLinear').map((n) => [n.output![0], n]));
    const convs = g.node!.filter((n) => n.opType === 'Conv');
    const weightQ = convs.map((c) => dqOf.get(c.input![1])!.input![0]);
    expect(weightQ.filter((w) => w === 'shared.weight_quantized')).toHaveLength(2); // one int8 tensor, two uses
    expect(convs.filter((c) => c.input!.length === 2)).toHaveLength(3); // c2 and both uses of shared: still bias-free
    // the shared weight dequantizes to within half a step of the float weight, channel by channel
    const teacherW = tensorToArray(readModel(join(dir, 'odd-layers.onnx')).graph!.initializer!.find((t) => t.name === 'shared.weight')!).data as Float32Array;
    const wq = tensorToArray(init.get('shared.weight_quantized')!).data as Int8Array;
    const scale = tensorToArray(init.get('shared.weight_scale')!).data as Float32Array;
    const per = teacherW.length / scale.length;
    for (let i = 0; i < teacherW.length; i++) {
      const s = scale[Math.floor(i / per)];
      expect(Math.abs(wq[i] * s - teacherW[i])).toBeLessThanOrEqual(s / 2 + 1e-7);
    }
  });
});
