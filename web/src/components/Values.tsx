/** Inline value renderings: metric with CI, gate badge, money, alias targets. */
import { Fragment } from 'react';
import { formatCi, formatScore, formatTargets, formatUsd, formatWeight } from '../lib/format.ts';
import type { Gate, Interval, Target } from '../lib/types.ts';

/** A value with its 95 % CI underneath (screen readers hear "95 % CI lo to hi"). */
export function WithCi({ value, ci, fmt = (x: number) => formatScore(x) }: { value: number | null | undefined; ci?: Interval | null; fmt?: (x: number) => string }) {
  const text = value === null || value === undefined || !Number.isFinite(value) ? '—' : fmt(value);
  return (
    <span className="ci">
      {text}
      {ci ? (
        <small>
          <span className="visually-hidden">95 % CI </span>
          {formatCi(ci, fmt)}
        </small>
      ) : null}
    </span>
  );
}

/** Gate result: passed / failed / none (quantize jobs have no gate). */
export function GateBadge({ gate }: { gate: Gate | null | undefined }) {
  if (!gate) return <span className="badge neutral">no gate</span>;
  return gate.passed ? <span className="badge ok">gate passed</span> : <span className="badge bad">gate failed</span>;
}

/** USD with its exact figure machine-readable in <data value>. */
export function Usd({ value, testId }: { value: number | null | undefined; testId?: string }) {
  if (value === null || value === undefined) return <span data-testid={testId}>—</span>;
  return (
    <data value={String(value)} data-testid={testId} title={`$${value}`}>
      {formatUsd(value)}
    </data>
  );
}

/** Alias targets as formatTargets writes them ('v1 80 % · v2 20 %'), each target kept on one line. */
export function Targets({ targets }: { targets: readonly Target[] | null | undefined }) {
  if (!targets || targets.length === 0 || (targets.length === 1 && targets[0].weight === 1)) return <span className="targets">{formatTargets(targets)}</span>;
  return (
    <span className="targets">
      {targets.map((t, i) => (
        <Fragment key={t.version}>
          {i > 0 ? ' · ' : null}
          <span className="target">
            v{t.version} {formatWeight(t.weight)}
          </span>
        </Fragment>
      ))}
    </span>
  );
}
