import { describe, expect, it } from 'vitest';
import { canaryTargets, sameTargets, splitOf } from './canary.ts';

describe('canary weights from the slider', () => {
  it('splits the traffic in hundredths whose sum is 1 within the API tolerance (1e-9)', () => {
    expect(canaryTargets(1, 2, 20)).toEqual([
      { version: 1, weight: 0.8 },
      { version: 2, weight: 0.2 },
    ]);
    for (let p = 1; p < 100; p++) {
      const t = canaryTargets(3, 4, p);
      expect(Math.abs(t[0].weight + t[1].weight - 1)).toBeLessThanOrEqual(1e-9);
      expect(t[1].weight).toBeCloseTo(p / 100, 12);
    }
  });
  it('0 % is the stable version alone, 100 % the canary alone', () => {
    expect(canaryTargets(1, 2, 0)).toEqual([{ version: 1, weight: 1 }]);
    expect(canaryTargets(1, 2, 100)).toEqual([{ version: 2, weight: 1 }]);
  });
  it('refuses shares outside 0…100 and a canary equal to the stable version', () => {
    expect(() => canaryTargets(1, 2, -1)).toThrow(RangeError);
    expect(() => canaryTargets(1, 2, 101)).toThrow(/0…100; got 101/);
    expect(() => canaryTargets(1, 1, 10)).toThrow(/another version/);
  });
  it('reads the split back from alias targets, and compares targets in any order', () => {
    expect(splitOf([{ version: 2, weight: 0.2 }, { version: 1, weight: 0.8 }])).toEqual({ stable: 1, canary: 2, percent: 20 });
    expect(splitOf([{ version: 5, weight: 1 }])).toEqual({ stable: 5, canary: null, percent: 0 });
    expect(splitOf(null)).toBeNull();
    expect(sameTargets(canaryTargets(1, 2, 20), [{ version: 2, weight: 0.2 }, { version: 1, weight: 0.8 }])).toBe(true);
    expect(sameTargets(canaryTargets(1, 2, 20), canaryTargets(1, 2, 30))).toBe(false);
  });
});
