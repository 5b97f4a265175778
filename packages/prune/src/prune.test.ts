import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { forward, hiddenChannels, initStudent, namedVariables, parameterCount, referenceStudent, withWidth } from '@medslim/distill';
import { channelImportance, choosePruneRatios, keptChannels, maxParamReduction, PruneError, pruneStudent, sensitivityAnalysis, studentParamCount, topChannels } from './index.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A student with non-trivial BatchNorm statistics, as after training. */
function trainedLike(width = 1, seed = 0) {
  const config = withWidth(referenceStudent(1, 2), width);
  const params = initStudent(config, seed);
  namedVariables(params).forEach(([name, v], i) => {
    if (name.endsWith('.bn.gamma')) v.assign(tf.randomUniform(v.shape, 0.2, 1.5, 'float32', i));
    if (name.endsWith('.bn.mean')) v.assign(tf.randomNormal(v.shape, 0, 0.2, 'float32', i));
    if (name.endsWith('.bn.variance')) v.assign(tf.randomUniform(v.shape, 0.5, 2, 'float32', i));
  });
  return { config, params };
}

const x = () => tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 7) as tf.Tensor4D;

describe('structured pruning of hidden channels', () => {
  it('ratio 0 everywhere is the identity: same outputs, same parameter count', () => {
    const { config, params } = trainedLike();
    const p = pruneStudent(config, params, config.blocks.map(() => 0));
    expect(Array.from(forward(p.config, p.params, x(), false).dataSync())).toEqual(Array.from(forward(config, params, x(), false).dataSync()));
    expect(parameterCount(p.params)).toBe(parameterCount(params));
  });

  it("a pruned model's parameter count matches the formula", () => {
    const { config, params } = trainedLike();
    const ratios = [0, 0.5, 0.25, 0.75, 0.5, 0.25, 0.75, 0.5];
    const p = pruneStudent(config, params, ratios);
    expect(parameterCount(p.params)).toBe(studentParamCount(p.config));
    expect(studentParamCount(config)).toBe(86722);
    // Block 1: in 8, hidden 48 → 24 kept, out 16: removes 24·(8 + 2 + 9 + 2 + 16) = 888 parameters.
    const only1 = pruneStudent(config, params, [0, 0.5, 0, 0, 0, 0, 0, 0]);
    expect(studentParamCount(config) - parameterCount(only1.params)).toBe(24 * (8 + 2 + 9 + 2 + 16));
  });

  it('kept weights are copied exactly (expand outputs, depthwise channels, project inputs, BN)', () => {
    const { config, params } = trainedLike();
    const p = pruneStudent(config, params, [0, 0.5, 0, 0, 0, 0, 0, 0]);
    const keep = p.kept[1]!;
    expect(keep.length).toBe(24);
    const h = hiddenChannels(config.blocks[1]); // 48
    const src = params.blocks[1], dst = p.params.blocks[1];
    const ew = src.expand!.w.dataSync(), dew = dst.expand!.w.dataSync(); // [1,1,8,h]
    const dw = src.depthwise.w.dataSync(), ddw = dst.depthwise.w.dataSync(); // [3,3,h,1]
    const pw = src.project.w.dataSync(), dpw = dst.project.w.dataSync(); // [1,1,h,16]
    keep.forEach((c, j) => {
      for (let i = 0; i < 8; i++) expect(dew[i * 24 + j]).toBe(ew[i * h + c]);
      for (let t = 0; t < 9; t++) expect(ddw[t * 24 + j]).toBe(dw[t * h + c]);
      for (let o = 0; o < 16; o++) expect(dpw[j * 16 + o]).toBe(pw[c * 16 + o]);
      expect(dst.expand!.bn.gamma.dataSync()[j]).toBe(src.expand!.bn.gamma.dataSync()[c]);
      expect(dst.depthwise.bn.mean.dataSync()[j]).toBe(src.depthwise.bn.mean.dataSync()[c]);
    });
    expect(Array.from(dst.project.bn.beta.dataSync())).toEqual(Array.from(src.project.bn.beta.dataSync()));
    expect(Array.from(p.params.fc.w.dataSync())).toEqual(Array.from(params.fc.w.dataSync()));
  });

  it('ranks channels by L1 norm of the expansion filter × |γ| (known answer)', () => {
    const config = referenceStudent(1, 2);
    const params = initStudent(config, 0);
    const h = hiddenChannels(config.blocks[1]);
    const w = new Float32Array(8 * h);
    for (let i = 0; i < 8; i++) for (let c = 0; c < h; c++) w[i * h + c] = c % 2 === 0 ? 1 : -0.5; // L1: 8 or 4
    params.blocks[1].expand!.w.assign(tf.tensor4d(w, [1, 1, 8, h]));
    params.blocks[1].expand!.bn.gamma.assign(tf.tensor1d(Array.from({ length: h }, (_, c) => (c === 1 ? -10 : 1))));
    const s = channelImportance(config, params, 1)!;
    expect(s[0]).toBeCloseTo(8, 6);
    expect(s[1]).toBeCloseTo(40, 6); // 4 · |−10|
    expect(s[3]).toBeCloseTo(4, 6);
    expect(Array.from(topChannels(s, 3))).toEqual([0, 1, 2]);
    expect(channelImportance(config, params, 0)).toBeNull(); // t = 1: nothing to prune
  });

  it('keeps a per-block minimum of channels and refuses bad ratios', () => {
    expect(keptChannels(48, 0.75, 8)).toBe(12);
    expect(keptChannels(16, 0.75, 8)).toBe(8);
    expect(() => keptChannels(48, 1, 8)).toThrowError(PruneError);
    const { config, params } = trainedLike();
    expect(() => pruneStudent(config, params, [0.5, 0, 0, 0, 0, 0, 0, 0])).toThrowError(/block 0 has no expand conv/);
  });
});

describe('sensitivity analysis and ratio selection', () => {
  it('measures each block alone and picks ratios meeting the target with the least predicted loss', async () => {
    const { config, params } = trainedLike();
    // A synthetic "validation metric": the relative change of the logits' energy, so deeper blocks matter less.
    const input = x();
    const ref = forward(config, params, input, false);
    const evaluate = (c: typeof config, p: typeof params) => {
      const y = forward(c, p, input, false);
      const err = tf.tidy(() => tf.mean(tf.abs(tf.sub(y, ref))).dataSync()[0]);
      return { auc: 1 - err, accuracy: 1 - err };
    };
    const table = await sensitivityAnalysis(config, params, evaluate);
    expect(table.rows).toHaveLength(7 * 3); // 7 prunable blocks × 3 ratios
    expect(table.baseline.auc).toBe(1);
    const plan = choosePruneRatios(config, table, 0.4);
    expect(plan.reduction).toBeGreaterThanOrEqual(0.4);
    expect(plan.params).toBe(studentParamCount(pruneStudent(config, params, plan.ratios).config));
    expect(plan.ratios[0]).toBe(0);
    // The greedy never pays more predicted loss than pruning every block at 0.75.
    const all = table.rows.filter((r) => r.ratio === 0.75).reduce((a, r) => a + Math.max(0, r.aucDrop), 0);
    expect(plan.predictedAucDrop).toBeLessThanOrEqual(all + 1e-9);
  });

  it('a target that would leave blocks with no channels is refused, naming the reachable maximum', async () => {
    const { config, params } = trainedLike();
    const table = await sensitivityAnalysis(config, params, () => ({ auc: 0.9, accuracy: 0.9 }));
    const max = maxParamReduction(config);
    expect(max).toBeGreaterThan(0.4);
    expect(max).toBeLessThan(0.8);
    expect(() => choosePruneRatios(config, table, 0.95)).toThrowError(/would leave blocks with fewer than 8 hidden channels.*at most/);
  });
});
