import { describe, expect, it } from 'vitest';
import * as contractModule from './contract.ts';
import { contractFromMetadata, contractToMetadata, labelsFromMetadata, parseContract } from './contract.ts';
import { errorOf } from './test-utils.ts';

const MEDMNIST = '{"layout":"NCHW","scale":0.00392156862745098,"mean":[0.5],"std":[0.5]}';

describe('parseContract', () => {
  it('parses JSON text and objects', () => {
    expect(parseContract(MEDMNIST)).toEqual({ layout: 'NCHW', scale: 1 / 255, mean: [0.5], std: [0.5] });
    expect(parseContract({ layout: 'NHWC', scale: 1, mean: [0.1, 0.2, 0.3], std: [1, 2, 3] })).toEqual({
      layout: 'NHWC',
      scale: 1,
      mean: [0.1, 0.2, 0.3],
      std: [1, 2, 3],
    });
  });

  it('rejects invalid contracts, naming the field and value', () => {
    const cases: [unknown, RegExp][] = [
      ['{not json', /not valid JSON/],
      [[1, 2], /must be a JSON object/],
      [{ layout: 'NCHW', scale: 1, mean: [0] }, /missing 'std'/],
      [{ layout: 'CHW', scale: 1, mean: [0], std: [1] }, /'layout' must be "NCHW" or "NHWC"; got "CHW"/],
      [{ layout: 'NCHW', scale: 0, mean: [0], std: [1] }, /'scale' must be a finite number > 0.*got 0/],
      [{ layout: 'NCHW', scale: Number.POSITIVE_INFINITY, mean: [0], std: [1] }, /'scale' must be a finite number/],
      [{ layout: 'NCHW', scale: 1, mean: [0], std: [1, 0, 1] }, /'std\[1\]' must be a finite number > 0; got 0/],
      [{ layout: 'NCHW', scale: 1, mean: [], std: [1] }, /'mean' must be a non-empty array/],
      [{ layout: 'NCHW', scale: 1, mean: [0, 0], std: [1, 1, 1] }, /'mean' has 2 values but 'std' has 3/],
      [{ layout: 'NCHW', scale: 1, mean: [0], std: [1], stdev: [1] }, /unknown key\(s\) 'stdev'/],
    ];
    for (const [input, re] of cases) {
      const err = errorOf(() => parseContract(input as object));
      expect(err.code).toBe('BAD_CONTRACT');
      expect(err.message).toMatch(re);
    }
  });
});

describe('contract metadata', () => {
  it('reads medslim.preprocess when present', () => {
    expect(contractFromMetadata({ 'medslim.preprocess': MEDMNIST, other: 'x' })).toEqual({ layout: 'NCHW', scale: 1 / 255, mean: [0.5], std: [0.5] });
  });

  it('has no default: absent metadata gives undefined, and no DEFAULT_CONTRACT is exported', () => {
    expect(contractFromMetadata({})).toBeUndefined();
    expect(contractFromMetadata({ 'medslim.labels': 'a,b' })).toBeUndefined();
    expect(Object.keys(contractModule)).not.toContain('DEFAULT_CONTRACT');
  });

  it('names the metadata key when its value is invalid', () => {
    const err = errorOf(() => contractFromMetadata({ 'medslim.preprocess': '{"layout":"NCHW"}' }));
    expect(err.code).toBe('BAD_CONTRACT');
    expect(err.message).toMatch(/model metadata 'medslim\.preprocess' is missing 'scale', 'mean', 'std'/);
  });

  it('round-trips through contractToMetadata with a fixed key order', () => {
    const c = parseContract(MEDMNIST);
    expect(contractToMetadata(c)).toBe(MEDMNIST);
    expect(contractFromMetadata({ 'medslim.preprocess': contractToMetadata(c) })).toEqual(c);
  });

  it('reads class names from medslim.labels', () => {
    expect(labelsFromMetadata({ 'medslim.labels': 'normal, pneumonia' })).toEqual(['normal', 'pneumonia']);
    expect(labelsFromMetadata({})).toBeUndefined();
    expect(labelsFromMetadata({ 'medslim.labels': '  ' })).toBeUndefined();
    const err = errorOf(() => labelsFromMetadata({ 'medslim.labels': 'a,,b' }));
    expect(err.code).toBe('BAD_METADATA');
    expect(err.message).toMatch(/empty class name at position 1/);
  });
});
