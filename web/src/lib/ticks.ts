/**
 * Distinct tick values 1·10ⁿ and 3·10ⁿ inside [lo, hi] (bytes), so a log axis gets readable ticks even when its
 * domain spans less than a decade (recharts' own log ticks repeat values there, which React rejects as duplicate keys).
 * Falls back to the domain's ends when no such value lies inside.
 */
export function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(Math.max(lo, 1))); 10 ** e <= hi; e++) {
    for (const m of [1, 3]) {
      const t = m * 10 ** e;
      if (t >= lo && t <= hi) ticks.push(t);
    }
  }
  return ticks.length >= 2 ? ticks : [...new Set([Math.ceil(lo), Math.floor(hi)])];
}
