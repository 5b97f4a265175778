/**
 * The console's charts (recharts, SVG). Each sits in a <figure> with a caption; the pages put the
 * same numbers in tables, so nothing is only in a picture.
 */
import type { ReactNode } from 'react';
import { logTicks } from '../lib/ticks.ts';
import { Bar, BarChart, CartesianGrid, LabelList, Legend, Line, LineChart, ReferenceLine, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import { formatBytes, formatMs, formatPct, formatScore } from '../lib/format.ts';

/** Distinguishable on white and for common colour-vision deficiencies (Okabe–Ito). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

const chartStyle = { width: '100%', height: 280 } as const;

export function ChartFigure({ title, children, note }: { title: string; children: ReactNode; note?: ReactNode }) {
  return (
    <figure className="chart">
      <figcaption>
        {title}
        {note ? <span className="muted"> — {note}</span> : null}
      </figcaption>
      {children}
    </figure>
  );
}

export interface SizeAucPoint {
  label: string;
  bytes: number;
  auc: number;
}

/** Model size (log scale) against test AUC: the deployed INT8 model of each version, and the teacher. */
export function SizeAucChart({ versions, teachers }: { versions: SizeAucPoint[]; teachers: SizeAucPoint[] }) {
  const all = [...versions, ...teachers];
  const minB = Math.min(...all.map((p) => p.bytes));
  const maxB = Math.max(...all.map((p) => p.bytes));
  return (
    <ScatterChart responsive style={chartStyle} margin={{ top: 10, right: 20, bottom: 24, left: 10 }}>
      <CartesianGrid strokeDasharray="3 3" />
      <XAxis
        type="number"
        dataKey="bytes"
        name="Size"
        scale="log"
        domain={[minB / 2, maxB * 2]}
        ticks={logTicks(minB / 2, maxB * 2)}
        tickFormatter={(b: number) => formatBytes(b)}
        label={{ value: 'Model size (log scale)', position: 'insideBottom', offset: -14 }}
      />
      <YAxis type="number" dataKey="auc" name="Test AUC" domain={[0, 1]} tickFormatter={(x: number) => formatScore(x, 2)} label={{ value: 'Test AUC', angle: -90, position: 'insideLeft' }} />
      <ZAxis range={[80, 80]} />
      <Tooltip
        formatter={(value, name) => (name === 'Size' ? formatBytes(Number(value)) : formatScore(Number(value)))}
        labelFormatter={() => ''}
        cursor={{ strokeDasharray: '3 3' }}
      />
      <Legend verticalAlign="top" />
      <Scatter name="Deployed model of each version" data={versions} fill={PALETTE[0]} isAnimationActive={false}>
        <LabelList dataKey="label" position="top" />
      </Scatter>
      <Scatter name="Teacher" data={teachers} fill={PALETTE[1]} shape="diamond" isAnimationActive={false} />
    </ScatterChart>
  );
}

/** One line per series over a shared x (time or category). */
export interface LineSeries {
  key: string;
  name: string;
  dashed?: boolean;
}

/** Latency in ms over time: `data` rows are {t: epoch ms, [series.key]: ms}. */
export function LatencyTimeChart({ data, series }: { data: Record<string, number | null>[]; series: LineSeries[] }) {
  return (
    <LineChart responsive style={chartStyle} data={data} margin={{ top: 10, right: 20, bottom: 24, left: 10 }}>
      <CartesianGrid strokeDasharray="3 3" />
      <XAxis
        dataKey="t"
        type="number"
        scale="time"
        domain={['dataMin', 'dataMax']}
        tickFormatter={(t: number) => new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })}
        label={{ value: 'Time', position: 'insideBottom', offset: -14 }}
      />
      <YAxis tickFormatter={(x: number) => formatMs(x)} width={70} />
      <Tooltip labelFormatter={(t) => new Date(Number(t)).toLocaleTimeString()} formatter={(v) => formatMs(Number(v))} />
      <Legend verticalAlign="top" />
      {series.map((s, i) => (
        <Line
          key={s.key}
          type="linear"
          dataKey={s.key}
          name={s.name}
          stroke={PALETTE[Math.floor(i / 2) % PALETTE.length]}
          strokeDasharray={s.dashed ? '5 4' : undefined}
          dot={data.length < 40}
          connectNulls
          isAnimationActive={false}
        />
      ))}
    </LineChart>
  );
}

/** Benchmark latency of each version's INT8 model: rows {label, p50, p95}. */
export function BenchLatencyChart({ data }: { data: { label: string; p50: number | null; p95: number | null }[] }) {
  return (
    <LineChart responsive style={chartStyle} data={data} margin={{ top: 10, right: 20, bottom: 24, left: 10 }}>
      <CartesianGrid strokeDasharray="3 3" />
      <XAxis dataKey="label" label={{ value: 'Version (oldest first)', position: 'insideBottom', offset: -14 }} />
      <YAxis tickFormatter={(x: number) => formatMs(x)} width={70} />
      <Tooltip formatter={(v) => formatMs(Number(v))} />
      <Legend verticalAlign="top" />
      <Line type="linear" dataKey="p50" name="p50" stroke={PALETTE[0]} isAnimationActive={false} />
      <Line type="linear" dataKey="p95" name="p95" stroke={PALETTE[1]} strokeDasharray="5 4" isAnimationActive={false} />
    </LineChart>
  );
}

/** Pruning sensitivity: AUC drop against the share of a block's channels removed, one line per block. */
export function SensitivityChart({ data, blocks }: { data: Record<string, number>[]; blocks: number[] }) {
  return (
    <LineChart responsive style={chartStyle} data={data} margin={{ top: 10, right: 20, bottom: 24, left: 10 }}>
      <CartesianGrid strokeDasharray="3 3" />
      <XAxis dataKey="ratio" type="number" domain={[0, 1]} tickFormatter={(x: number) => formatPct(x, 0)} label={{ value: 'Channels removed from the block', position: 'insideBottom', offset: -14 }} />
      <YAxis tickFormatter={(x: number) => formatScore(x, 2)} width={60} label={{ value: 'AUC drop', angle: -90, position: 'insideLeft' }} />
      <ReferenceLine y={0} stroke="#666" />
      <Tooltip labelFormatter={(x) => `${formatPct(Number(x), 0)} removed`} formatter={(v) => formatScore(Number(v))} />
      <Legend verticalAlign="top" />
      {blocks.map((b, i) => (
        <Line key={b} type="linear" dataKey={`b${b}`} name={`block ${b}`} stroke={PALETTE[i % PALETTE.length]} connectNulls isAnimationActive={false} />
      ))}
    </LineChart>
  );
}

/** Per-class sensitivity, one bar per stage: rows {label, [stage]: sensitivity}. */
export function PerClassChart({ data, stages }: { data: Record<string, string | number>[]; stages: string[] }) {
  return (
    <BarChart responsive style={chartStyle} data={data} margin={{ top: 10, right: 20, bottom: 10, left: 10 }}>
      <CartesianGrid strokeDasharray="3 3" />
      <XAxis dataKey="label" />
      <YAxis domain={[0, 1]} tickFormatter={(x: number) => formatPct(x, 0)} width={60} label={{ value: 'Sensitivity', angle: -90, position: 'insideLeft' }} />
      <Tooltip formatter={(v) => formatPct(Number(v))} />
      <Legend verticalAlign="top" />
      {stages.map((s, i) => (
        <Bar key={s} dataKey={s} name={s} fill={PALETTE[i % PALETTE.length]} isAnimationActive={false} />
      ))}
    </BarChart>
  );
}
