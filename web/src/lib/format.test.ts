import { describe, expect, it } from 'vitest';
import { formatBytes, formatCi, formatEta, formatMs, formatPct, formatShrink, formatTargets, formatUsd, formatWeight } from './format.ts';

describe('formatUsd: cost per prediction, per 1,000 and per 1,000,000', () => {
  it.each([
    [2.2500005e-7, '$0.000000225'], // one prediction at 512 MB, 3 ms on x86 (packages/serving lambdaCost example)
    [2.2500005e-4, '$0.000225'], // × 1,000
    [0.22500005, '$0.225'], // × 1,000,000
    [1234.5, '$1,230'],
    [3, '$3.00'],
    [0, '$0'],
  ])('%s → %s (3 significant digits, never exponent notation)', (x, text) => {
    expect(formatUsd(x)).toBe(text);
  });
  it('shows a dash for no figure yet (no predictions served)', () => {
    expect(formatUsd(null)).toBe('—');
    expect(formatUsd(undefined)).toBe('—');
    expect(formatUsd(Number.NaN)).toBe('—');
  });
});

describe('other formats', () => {
  it('sizes in SI units and how much smaller', () => {
    expect(formatBytes(101_619)).toBe('101.6 kB');
    expect(formatBytes(44_665_276)).toBe('44.7 MB');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatShrink(44_665_276, 101_619)).toBe('440× smaller');
    expect(formatShrink(44_665_276, 11_282_119)).toBe('4.0× smaller');
  });
  it('percentages, CIs, latencies, ETAs', () => {
    expect(formatPct(0.82692)).toBe('82.7 %');
    expect(formatCi([0.80695, 0.92884])).toBe('0.807–0.929');
    expect(formatCi([0.5, 0.75], (x) => formatPct(x, 0))).toBe('50 %–75 %');
    expect([0.199, 5.42, 17.4, 1234.4].map(formatMs)).toEqual(['0.20 ms', '5.4 ms', '17 ms', '1,234 ms']);
    expect([45, 90, 120, 4000, null].map(formatEta)).toEqual(['45 s', '1 min 30 s', '2 min', '1 h 7 min', 'estimating…']);
  });
  it('alias targets and weights', () => {
    expect(formatTargets([{ version: 1, weight: 1 }])).toBe('v1');
    expect(formatTargets([{ version: 1, weight: 0.8 }, { version: 2, weight: 0.2 }])).toBe('v1 80 % · v2 20 %');
    expect(formatWeight(0.1 + 0.2)).toBe('30 %');
    expect(formatWeight(0.125)).toBe('12.5 %');
  });
});
