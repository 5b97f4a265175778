import { describe, expect, it } from 'vitest';
import { logTicks } from './ticks.ts';

describe('logTicks', () => {
  it('gives 1·10ⁿ and 3·10ⁿ inside the domain, each once', () => {
    // The size chart's domain when every version is the 11.28 MB INT8 teacher beside the 44.67 MB teacher.
    expect(logTicks(11_282_195 / 2, 44_665_266 * 2)).toEqual([10_000_000, 30_000_000]);
    expect(logTicks(50_000, 100_000_000)).toEqual([100_000, 300_000, 1_000_000, 3_000_000, 10_000_000, 30_000_000, 100_000_000]);
  });
  it('falls back to the two ends when at most one such value lies inside', () => {
    expect(logTicks(4_000, 9_000)).toEqual([4_000, 9_000]);
    expect(logTicks(2_500, 3_500)).toEqual([2_500, 3_500]);
  });
});
