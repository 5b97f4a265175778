import { describe, expect, it } from 'vitest';
import { parseCompressSpec } from './spec.ts';
import { contentHash } from './stage-cache.ts';

describe('compress spec', () => {
  it('fills in the preset and keeps explicit options', () => {
    const { spec, stages } = parseCompressSpec({ teacher: 't.onnx', dataset: 'd.npz', preset: 'quick', prune: { targetParamsReduction: 0.4 } });
    expect(spec.budgets).toEqual({ auc: 0.01, sensitivity: 0.03, ece: 0.02, agreement: 0.95 });
    expect(stages.distill.epochs).toBe(1);
    expect(stages.prune.targetParamsReduction).toBe(0.4);
    expect(parseCompressSpec({ teacher: 't', dataset: 'd' }).stages.distill.epochs).toBe(10); // standard by default
  });

  it('refuses budgets outside [0, 1], an unknown preset and unknown fields, naming each', () => {
    expect(() => parseCompressSpec({ teacher: 't', dataset: 'd', budgets: { auc: 1.5 } })).toThrowError(/budgets\.auc: budgets\.auc must be in \[0, 1\]/);
    expect(() => parseCompressSpec({ teacher: 't', dataset: 'd', budgets: { agreement: -0.1 } })).toThrowError(/budgets\.agreement/);
    expect(() => parseCompressSpec({ teacher: 't', dataset: 'd', preset: 'fast' })).toThrowError(/preset: preset must be 'quick' or 'standard'; got "fast"/);
    expect(() => parseCompressSpec({ teacher: 't', dataset: 'd', distill: { epoch: 3 } })).toThrowError(/distill.*epoch/);
    expect(() => parseCompressSpec({ dataset: 'd' })).toThrowError(/teacher/);
    try { parseCompressSpec({ teacher: 't', dataset: 'd', preset: 'x' }); } catch (e) { expect((e as { code: string }).code).toBe('BAD_SPEC'); }
  });

  it('content hashes ignore key order and change with any value', () => {
    expect(contentHash({ a: 1, b: { c: 2, d: 3 } })).toBe(contentHash({ b: { d: 3, c: 2 }, a: 1 }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
  });
});
