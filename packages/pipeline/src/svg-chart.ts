/**
 * Minimal SVG line/scatter charts for report.md (no dependencies; the console uses a charting library).
 * Coordinates in px; values are mapped linearly into the plot area.
 */
export interface Series {
  name: string;
  points: [number, number][];
  /** Draw lines between points (default true). */
  line?: boolean;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function svgChart(title: string, xLabel: string, yLabel: string, series: Series[], opts: { width?: number; height?: number; xLog?: boolean } = {}): string {
  const W = opts.width ?? 560, H = opts.height ?? 320, L = 64, R = 150, T = 32, B = 44;
  const tx = (x: number) => (opts.xLog ? Math.log10(Math.max(x, 1e-12)) : x);
  const xs = series.flatMap((s) => s.points.map((p) => tx(p[0])));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x0 === x1) { x0 -= 1; x1 += 1; }
  if (y0 === y1) { y0 -= 0.01; y1 += 0.01; }
  const pad = (y1 - y0) * 0.08;
  y0 -= pad; y1 += pad;
  const px = (x: number) => L + ((tx(x) - x0) / (x1 - x0)) * (W - L - R);
  const py = (y: number) => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);
  const ticks = (a: number, b: number) => Array.from({ length: 5 }, (_, i) => a + ((b - a) * i) / 4);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#333"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text x="14" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(T + H - B) / 2})">${esc(yLabel)}</text>`,
  ];
  for (const v of ticks(y0, y1)) out.push(`<text x="${L - 6}" y="${py(v) + 4}" text-anchor="end">${v.toFixed(3)}</text><line x1="${L}" y1="${py(v)}" x2="${W - R}" y2="${py(v)}" stroke="#eee"/>`);
  for (const v of ticks(x0, x1)) {
    const label = opts.xLog ? (10 ** v).toPrecision(2) : Number(v.toPrecision(3)).toString();
    out.push(`<text x="${L + ((v - x0) / (x1 - x0)) * (W - L - R)}" y="${H - B + 16}" text-anchor="middle">${label}</text>`);
  }
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    if (s.line !== false && s.points.length > 1) out.push(`<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${s.points.map((p) => `${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ')}"/>`);
    for (const p of s.points) out.push(`<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3" fill="${c}"/>`);
    out.push(`<rect x="${W - R + 10}" y="${T + i * 16}" width="10" height="10" fill="${c}"/><text x="${W - R + 24}" y="${T + i * 16 + 9}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
