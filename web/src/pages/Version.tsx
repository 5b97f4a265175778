/**
 * Version detail: the job report (stages, gate checks, per-class sensitivity teacher vs students,
 * pruning sensitivity analysis, confusion matrix), lineage (teacher and dataset hashes, job spec)
 * and the artifacts to download.
 */
import { useState } from 'react';
import { ChartFigure, PerClassChart, SensitivityChart } from '../components/Charts.tsx';
import { ErrorNotice, Loading } from '../components/Status.tsx';
import { GateBadge, WithCi } from '../components/Values.tsx';
import { useApi } from '../lib/context.ts';
import { formatBytes, formatCount, formatDate, formatMs, formatPct, formatScore } from '../lib/format.ts';
import { useAsync } from '../lib/hooks.ts';
import { href } from '../lib/route.ts';
import type { Gate, Report, Stage, VersionDetail } from '../lib/types.ts';
import { DataTable, Fact, num, TableHead } from '../components/Table.tsx';

export function VersionPage({ name, version }: { name: string; version: number }) {
  const api = useApi();
  const v = useAsync<VersionDetail>((signal) => api.getVersion(name, version, signal), [api, name, version]);
  return (
    <>
      <p className="breadcrumb">
        <a href={href({ page: 'models' })}>Models</a> / <a href={href({ page: 'model', name })}>{name}</a> / v{version}
      </p>
      <h1 tabIndex={-1}>
        {name} v{version}
      </h1>
      {v.error ? <ErrorNotice error={v.error} onRetry={v.reload} title={`Could not load ${name} v${version}`} /> : null}
      {!v.data ? v.error ? null : <Loading what="the version" /> : <VersionBody v={v.data} />}
    </>
  );
}

function VersionBody({ v }: { v: VersionDetail }) {
  const report: Partial<Report> = v.report ?? {};
  const stages: Stage[] = report.stages ?? v.metrics;
  const gate = report.gate ?? v.gate;
  const job = v.lineage.job;
  return (
    <>
      <dl className="facts">
        <Fact term="Created">
          {formatDate(v.createdAt)} by {v.createdBy.name ?? v.createdBy.keyId}
        </Fact>
        <Fact term="Job">{job ? <a href={href({ page: 'job', id: job.id })}>{`${job.type}${job.preset ? ` (${job.preset})` : ''} · ${job.id}`}</a> : '—'}</Fact>
        <Fact term="Quality gate">
          <GateBadge gate={gate} />
        </Fact>
        <Fact term="Roll out">
          <a href={href({ page: 'rollout', name: v.model, alias: null })}>Aliases of {v.model}…</a>
        </Fact>
      </dl>

      {report.search?.candidates?.length ? <SearchTable search={report.search} /> : null}
      <StagesTable stages={stages} />
      {gate ? <GateTable gate={gate} /> : null}
      <PerClass stages={stages} />
      {report.sensitivity?.rows?.length ? <Sensitivity report={report} /> : null}
      <Confusion stages={stages} labels={report.labels ?? stages[0]?.test.perClass.map((c) => c.label) ?? []} />
      <Lineage v={v} report={report} />
      <Artifacts v={v} />
    </>
  );
}

/** The compress job's search: every candidate, chosen on validation, confirmed on test. */
function SearchTable({ search }: { search: NonNullable<Report['search']> }) {
  const gateCell = (g: { passed: boolean; failed: string[] }) => (g.passed ? 'pass' : `fail: ${g.failed.join(', ')}`);
  return (
    <section aria-labelledby="search-h">
      <h2 id="search-h">Search</h2>
      <p>
        Returned model: <strong>{search.chosen}</strong> — {search.reason}
      </p>
      <DataTable caption="Candidates: the gate on the validation split chooses (smallest that passes); the test split only confirms" columns={['Candidate', 'Kind', num('Size'), num('p50'), 'Validation AUC', 'Validation agreement', 'Worst sensitivity drop', 'Gate (validation)', 'Test AUC', 'Gate (test)']}>
        {search.candidates.map((c) => (
          <tr key={c.name} aria-current={c.name === search.chosen ? 'true' : undefined}>
            <th scope="row">
              {c.name}
              {c.name === search.chosen ? ' (chosen)' : ''}
            </th>
            <td>{c.kind}</td>
            <td className="num">{formatBytes(c.bytes)}</td>
            <td className="num">{formatMs(c.latencyMs)}</td>
            <td>{formatScore(c.val.auc)}</td>
            <td>{formatPct(c.val.agreement)}</td>
            <td>{formatPct(c.worstSensitivityDrop)}</td>
            <td>
              {gateCell(c.gateVal)}
              {c.constraintsFailed.length ? `; breaks ${c.constraintsFailed.join(', ')}` : ''}
            </td>
            <td>{formatScore(c.test.auc)}</td>
            <td>{gateCell(c.gateTest)}</td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}

/** The test metrics of the stages table, in its column order, each with its CI (fractions as percentages). */
const STAGE_METRICS: [metric: 'auc' | 'accuracy' | 'ece' | 'agreement', fmt?: (x: number) => string][] = [
  ['auc'],
  ['accuracy', (x) => formatPct(x)],
  ['ece'],
  ['agreement', (x) => formatPct(x)],
];

function StagesTable({ stages }: { stages: Stage[] }) {
  return (
    <section aria-labelledby="stages-h">
      <h2 id="stages-h">Stages</h2>
      <DataTable caption="Each stage of the job on the test split: size, test metrics with 95 % CIs, and benchmark latency (one image)" columns={['Stage', num('Size'), num('Parameters'), 'AUC', 'Accuracy', 'ECE', 'Agreement with teacher', num('p50 / p95 / p99'), num('Images/s')]}>
        {stages.map((s) => (
          <tr key={s.name}>
            <th scope="row">{s.name}</th>
            <td className="num">{formatBytes(s.bytes)}</td>
            <td className="num">{formatCount(s.params)}</td>
            {STAGE_METRICS.map(([m, fmt]) => (
              <td key={m}>
                <WithCi value={s.test[m]} ci={s.test.ci95?.[m]} fmt={fmt} />
              </td>
            ))}
            <td className="num">{s.latencyMs ? `${formatMs(s.latencyMs.p50)} / ${formatMs(s.latencyMs.p95)} / ${formatMs(s.latencyMs.p99)}` : '—'}</td>
            <td className="num">{s.imagesPerSecond ? formatCount(Math.round(s.imagesPerSecond)) : '—'}</td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}

function GateTable({ gate }: { gate: Gate }) {
  return (
    <section aria-labelledby="gate-h">
      <h2 id="gate-h">
        Clinical safety gate: <GateBadge gate={gate} />
      </h2>
      {gate.rationale ? <p className="muted">{gate.rationale}</p> : null}
      <div className="table-wrap">
        <table>
          <caption>
            Gate checks{gate.candidate ? ` of the ${gate.candidate} model against the teacher` : ''}
            {gate.decision ? ` on the ${gate.split ?? 'test'} split, decided by ${gate.decision === 'ci' ? '95 % CI bounds' : 'point estimates'}` : ''}
          </caption>
          <TableHead columns={['Check', num('Value'), '95 % CI', num('Budget'), 'Result', 'Detail']} />
          <tbody>
            {gate.checks.map((c) => (
              <tr key={c.name}>
                <th scope="row">{c.name}</th>
                <td className="num">{formatScore(c.value, 4)}</td>
                <td>{c.ci95 ? `${formatScore(c.ci95[0], 4)}–${formatScore(c.ci95[1], 4)}` : '—'}</td>
                <td className="num">
                  {c.kind === 'min' ? '≥ ' : '≤ '}
                  {formatScore(c.budget, 4)}
                </td>
                <td>{c.passed ? <span className="badge ok">passed</span> : <span className="badge bad">failed</span>}</td>
                <td>{c.detail ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function PerClass({ stages }: { stages: Stage[] }) {
  const labels = stages[0]?.test.perClass.map((c) => c.label) ?? [];
  if (labels.length === 0) return null;
  const data = labels.map((label, i) => Object.fromEntries([['label', label], ...stages.map((s) => [s.name, s.test.perClass[i]?.sensitivity ?? 0])]));
  return (
    <section aria-labelledby="perclass-h">
      <h2 id="perclass-h">Per-class sensitivity: teacher vs students</h2>
      <div className="grid-2">
        <div className="table-wrap">
          <table>
            <caption>Sensitivity (recall) and specificity of each class per stage, with 95 % CIs for sensitivity</caption>
            <thead>
              <tr>
                <th scope="col">Class (test support)</th>
                {stages.map((s) => (
                  <th scope="col" key={s.name}>
                    {s.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {labels.map((label, i) => (
                <tr key={label}>
                  <th scope="row">
                    {label} <span className="muted small">({stages[0].test.perClass[i].support})</span>
                  </th>
                  {stages.map((s) => (
                    <td key={s.name}>
                      <WithCi value={s.test.perClass[i]?.sensitivity} ci={s.test.ci95?.sensitivity?.[i]} fmt={(x) => formatPct(x)} />
                      <div className="muted small">spec. {formatPct(s.test.perClass[i]?.specificity)}</div>
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <ChartFigure title="Sensitivity per class and stage">
          <PerClassChart data={data} stages={stages.map((s) => s.name)} />
        </ChartFigure>
      </div>
    </section>
  );
}

function Sensitivity({ report }: { report: Partial<Report> }) {
  const rows = report.sensitivity!.rows;
  const blocks = [...new Set(rows.map((r) => r.block))].sort((a, b) => a - b);
  const ratios = [...new Set(rows.map((r) => r.ratio))].sort((a, b) => a - b);
  const data = [
    Object.fromEntries([['ratio', 0], ...blocks.map((b) => [`b${b}`, 0])]),
    ...ratios.map((ratio) => Object.fromEntries([['ratio', ratio], ...rows.filter((r) => r.ratio === ratio).map((r) => [`b${r.block}`, r.aucDrop])])),
  ];
  return (
    <section aria-labelledby="sens-h">
      <h2 id="sens-h">Pruning sensitivity analysis</h2>
      <p className="muted">
        Validation AUC drop when each block of the distilled student loses a share of its channels alone (baseline AUC {formatScore(report.sensitivity!.baseline.auc)}). Flat lines are
        blocks that can be pruned hard.
      </p>
      <ChartFigure title="AUC drop by block and share of channels removed">
        <SensitivityChart data={data} blocks={blocks} />
      </ChartFigure>
      <details>
        <summary>Data table</summary>
        <div className="table-wrap">
          <table>
            <caption>AUC drop per block (rows) and share of channels removed (columns)</caption>
            <thead>
              <tr>
                <th scope="col">Block</th>
                {ratios.map((r) => (
                  <th scope="col" className="num" key={r}>
                    {formatPct(r, 0)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {blocks.map((b) => (
                <tr key={b}>
                  <th scope="row">{b}</th>
                  {ratios.map((r) => (
                    <td className="num" key={r}>
                      {formatScore(rows.find((x) => x.block === b && x.ratio === r)?.aucDrop)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}

function Confusion({ stages, labels }: { stages: Stage[]; labels: string[] }) {
  const [name, setName] = useState(stages.at(-1)?.name ?? '');
  const stage = stages.find((s) => s.name === name);
  if (!stage || !stage.test.confusion?.length) return null;
  const m = stage.test.confusion;
  const max = Math.max(1, ...m.flat());
  return (
    <section aria-labelledby="confusion-h">
      <h2 id="confusion-h">Confusion matrix</h2>
      <div className="field inline">
        <label htmlFor="confusion-stage">Stage</label>
        <select id="confusion-stage" value={name} onChange={(e) => setName(e.target.value)}>
          {stages.map((s) => (
            <option key={s.name} value={s.name}>
              {s.name}
            </option>
          ))}
        </select>
      </div>
      <div className="table-wrap">
        <table className="confusion">
          <caption>
            Test images of the {stage.name} model by true class (rows) and predicted class (columns)
          </caption>
          <thead>
            <tr>
              <td />
              {labels.map((l) => (
                <th scope="col" key={l}>
                  predicted {l}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {m.map((row, i) => (
              <tr key={labels[i] ?? i}>
                <th scope="row">true {labels[i] ?? i}</th>
                {row.map((n, j) => (
                  <td key={labels[j] ?? j} className={`num ${i === j ? 'diag' : 'off'}`} style={{ ['--share' as string]: String(n / max) }}>
                    {formatCount(n)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Lineage({ v, report }: { v: VersionDetail; report: Partial<Report> }) {
  const inputs = [
    ['Teacher', v.lineage.teacher],
    ['Dataset', v.lineage.dataset],
  ] as const;
  const spec = report.lineage?.spec ?? v.lineage.job?.options ?? null;
  return (
    <section aria-labelledby="lineage-h">
      <h2 id="lineage-h">Lineage</h2>
      <DataTable caption="Inputs of the job that produced this version" columns={['Input', 'File', num('Size'), 'SHA-256', 'Upload']}>
        {inputs.map(([what, ref]) => (
          <tr key={what}>
            <th scope="row">{what}</th>
            <td>{ref?.filename ?? '—'}</td>
            <td className="num">{formatBytes(ref?.bytes)}</td>
            <td>
              <code className="hash" data-testid={`lineage-${what.toLowerCase()}-sha256`}>
                {ref?.sha256 ?? (what === 'Teacher' ? report.lineage?.teacherSha256 : report.lineage?.datasetSha256) ?? '—'}
              </code>
            </td>
            <td>
              <code>{ref?.upload ?? '—'}</code>
            </td>
          </tr>
        ))}
      </DataTable>
      <dl className="facts">
        <Fact term="medslim version">{report.lineage?.medslimVersion ?? v.lineage.codeVersion}</Fact>
        <Fact term="Job options">
          <code>{JSON.stringify(v.lineage.job?.options ?? {})}</code>
        </Fact>
      </dl>
      {spec ? (
        <details>
          <summary>Full job spec</summary>
          <pre className="code" tabIndex={0} aria-label="Job spec (JSON)">
            {JSON.stringify(spec, null, 2)}
          </pre>
        </details>
      ) : null}
    </section>
  );
}

function Artifacts({ v }: { v: VersionDetail }) {
  const api = useApi();
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  return (
    <section aria-labelledby="artifacts-h">
      <h2 id="artifacts-h">Artifacts</h2>
      {error ? <ErrorNotice error={error} title="Download failed" /> : null}
      <DataTable caption="Files of this version (immutable; SHA-256 verified when registered)" columns={['File', num('Size'), 'SHA-256', { label: 'Download', hidden: true }]}>
        {v.artifacts.map((a) => (
          <tr key={a.file}>
            <th scope="row">{a.file}</th>
            <td className="num">{formatBytes(a.bytes)}</td>
            <td>
              <code className="hash">{a.sha256}</code>
            </td>
            <td>
              <button
                type="button"
                disabled={busy === a.file}
                aria-label={`Download ${a.file}`}
                onClick={async () => {
                  setBusy(a.file);
                  setError(null);
                  try {
                    await api.downloadArtifact(v.model, v.version, a.file);
                  } catch (e) {
                    setError(e as Error);
                  } finally {
                    setBusy(null);
                  }
                }}
              >
                {busy === a.file ? 'Downloading…' : 'Download'}
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}
