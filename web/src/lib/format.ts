/** Display formats of the console: sizes, metrics with CIs, latencies, money, durations. */
import type { Interval, Target } from './types.ts';

const DASH = '—';

/** Bytes in SI units: 101619 → '101.6 kB', 44665276 → '44.7 MB'. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** How many times smaller `after` is than `before`: '439× smaller'. */
export function formatShrink(before: number, after: number): string {
  if (!(before > 0 && after > 0)) return '';
  const r = before / after;
  return `${r >= 10 ? Math.round(r) : r.toFixed(1)}× smaller`;
}

/** A fraction as a percentage: 0.82692 → '82.7 %'. */
export function formatPct(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  return `${(x * 100).toFixed(digits)} %`;
}

/** A score in [0, 1] with 3 decimals: 0.87385 → '0.874'. */
export function formatScore(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  return x.toFixed(digits);
}

/** A 95 % CI: '0.807–0.929' (with the same formatter as its value). */
export function formatCi(ci: Interval | null | undefined, fmt: (x: number) => string = (x) => formatScore(x)): string {
  if (!ci || ci.length !== 2) return '';
  return `${fmt(ci[0])}–${fmt(ci[1])}`;
}

/** Milliseconds: 0.199 → '0.20 ms', 5.42 → '5.4 ms', 17.4 → '17 ms'. */
export function formatMs(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  if (x < 1) return `${x.toFixed(2)} ms`;
  if (x < 10) return `${x.toFixed(1)} ms`;
  return `${Math.round(x).toLocaleString('en-US')} ms`;
}

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumSignificantDigits: 3, maximumSignificantDigits: 3 });

/**
 * US dollars to 3 significant digits, never in exponent notation (costs per prediction are tiny):
 * 2.25e-7 → '$0.000000225', 0.225 → '$0.225', 1234.5 → '$1,230'; null → '—'.
 */
export function formatUsd(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  if (x === 0) return '$0';
  return usd.format(x);
}

/** An integer count with thousands separators. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  return n.toLocaleString('en-US');
}

/** Seconds left: 45 → '45 s', 90 → '1 min 30 s', 4000 → '1 h 7 min'; null → 'estimating…'. */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return 'estimating…';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.round((s % 3600) / 60);
  return `${Math.floor(s / 3600)} h${m ? ` ${m} min` : ''}`;
}

/** A timestamp in the user's locale and time zone, to the minute (seconds with `seconds`). */
export function formatDate(iso: string | null | undefined, seconds = false): string {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}) });
}

/** Alias targets: 'v1 80 % · v2 20 %' ('v1' alone for a single full-weight target). */
export function formatTargets(targets: readonly Target[] | null | undefined): string {
  if (!targets || targets.length === 0) return DASH;
  if (targets.length === 1 && targets[0].weight === 1) return `v${targets[0].version}`;
  return targets.map((t) => `v${t.version} ${formatWeight(t.weight)}`).join(' · ');
}

/** A weight as a percentage without noise: 0.2 → '20 %', 0.125 → '12.5 %'. */
export function formatWeight(w: number): string {
  return `${Number((w * 100).toFixed(2))} %`;
}

/** The first 12 hex digits of a SHA-256. */
export function shortHash(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 12) : DASH;
}
