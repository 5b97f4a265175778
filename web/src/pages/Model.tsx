/**
 * Model detail: every version with its sizes, test AUC and accuracy (95 % CIs), gate, served
 * latency, cost per 1,000 and per 1,000,000 predictions and requests served (serving figures from
 * GET /v1/models/{name}/metrics, polled every 5 s); charts of size vs AUC and latency over time.
 */
import { BenchLatencyChart, ChartFigure, LatencyTimeChart, SizeAucChart, type LineSeries } from '../components/Charts.tsx';
import { ErrorNotice, Loading, Notice } from '../components/Status.tsx';
import { GateBadge, Targets, Usd, WithCi } from '../components/Values.tsx';
import { useApi } from '../lib/context.ts';
import { formatBytes, formatCount, formatDate, formatMs, formatShrink } from '../lib/format.ts';
import { useAsync } from '../lib/hooks.ts';
import { latencyRows, recordSample } from '../lib/latency.ts';
import { href } from '../lib/route.ts';
import type { ModelDetail, ModelMetrics, Stage, Version } from '../lib/types.ts';
import { num, TableHead } from '../components/Table.tsx';

/** Poll interval of the serving metrics, ms. */
const METRICS_POLL_MS = 5_000;

/** The deployed model of a version: its last stage (int8). */
export const finalStage = (v: Version): Stage | undefined => v.metrics.at(-1);
const teacherStage = (v: Version): Stage | undefined => v.metrics.find((s) => s.name === 'teacher');

export function ModelPage({ name }: { name: string }) {
  const api = useApi();
  const data = useAsync<{ model: ModelDetail; versions: Version[] }>(
    async (signal) => {
      const [model, versions] = await Promise.all([api.getModel(name, signal), api.listVersions(name, signal)]);
      return { model, versions };
    },
    [api, name],
    30_000,
  );
  const metrics = useAsync<{ m: ModelMetrics | null; samples: ReturnType<typeof latencyRows> }>(
    async (signal) => {
      const m = await api.metrics(name, signal);
      return { m, samples: latencyRows(m ? recordSample(name, m) : []) };
    },
    [api, name],
    METRICS_POLL_MS,
  );

  const m = metrics.data?.m ?? null;
  const byVersion = new Map((m?.versions ?? []).map((v) => [v.version, v]));
  const versions = data.data?.versions ?? [];

  return (
    <>
      <p className="breadcrumb">
        <a href={href({ page: 'models' })}>Models</a> / {name}
      </p>
      <h1 tabIndex={-1}>Model {name}</h1>
      {data.error ? <ErrorNotice error={data.error} onRetry={data.reload} title={`Could not load model ${name}`} /> : null}
      {!data.data ? (
        data.error ? null : <Loading what={`model ${name}`} />
      ) : (
        <>
          {data.data.model.description ? <p>{data.data.model.description}</p> : null}
          <section aria-labelledby="aliases-h" className="aliases-bar">
            <h2 id="aliases-h" className="inline">
              Aliases
            </h2>
            {Object.keys(data.data.model.aliases).length === 0 ? <span className="muted">none yet</span> : null}
            <ul className="inline-list">
              {Object.entries(data.data.model.aliases).map(([alias, targets]) => (
                <li key={alias}>
                  <a href={href({ page: 'rollout', name, alias })}>{alias}</a> → <Targets targets={targets} />
                </li>
              ))}
            </ul>
            <a className="button" href={href({ page: 'rollout', name, alias: null })}>
              Roll out…
            </a>
          </section>

          {metrics.error ? <ErrorNotice error={metrics.error} onRetry={metrics.reload} title="Could not load the serving metrics" /> : null}
          {metrics.data && !m ? (
            <Notice kind="warning">
              Serving metrics unavailable: this server does not serve inference, so latency, cost and request counts are not shown (GET /v1/models/{name}/metrics answered 404).
            </Notice>
          ) : null}

          {versions.length === 0 ? (
            <Notice>
              No versions yet: <a href={href({ page: 'jobs' })}>run a job</a> for this model.
            </Notice>
          ) : (
            <div className="table-wrap">
              <table className="versions">
                <caption>
                  Versions of {name}, newest first. Test metrics of the deployed (last-stage) model with 95 % CIs
                  {m ? (
                    <>
                      ; latency, cost and requests served since {formatDate(m.since)}
                      {m.pricing ? ` (Lambda pricing, ${m.pricing.memoryMb} MB ${m.pricing.architecture})` : ''}
                    </>
                  ) : null}
                  .
                </caption>
                <TableHead columns={['Version', 'Created', 'Size: teacher → deployed', 'Test AUC', 'Accuracy', 'Gate', num('Latency p50 / p95'), num('Cost per 1,000'), num('Cost per 1,000,000'), num('Requests served')]} />
                <tbody>
                  {[...versions].reverse().map((v) => {
                    const fin = finalStage(v);
                    const teacher = teacherStage(v);
                    const s = byVersion.get(v.version);
                    return (
                      <tr key={v.version} data-testid={`version-row-${v.version}`}>
                        <th scope="row">
                          <a href={href({ page: 'version', name, version: v.version })}>v{v.version}</a>
                          <div className="muted small">{v.lineage.job ? `${v.lineage.job.type}${v.lineage.job.preset ? ` (${v.lineage.job.preset})` : ''}` : ''}</div>
                        </th>
                        <td>{formatDate(v.createdAt)}</td>
                        <td>
                          {formatBytes(teacher?.bytes)} → {formatBytes(fin?.bytes)}
                          {teacher && fin ? <div className="muted small">{formatShrink(teacher.bytes, fin.bytes)}</div> : null}
                        </td>
                        <td>
                          <WithCi value={fin?.test.auc} ci={fin?.test.ci95?.auc} />
                        </td>
                        <td>
                          <WithCi value={fin?.test.accuracy} ci={fin?.test.ci95?.accuracy} />
                        </td>
                        <td>
                          <GateBadge gate={v.gate} />
                        </td>
                        <td className="num">{s ? `${formatMs(s.requestMs.p50)} / ${formatMs(s.requestMs.p95)}` : '—'}</td>
                        <td className="num">
                          <Usd value={s?.usdPer1k} testId={`usd-per-1k-v${v.version}`} />
                        </td>
                        <td className="num">
                          <Usd value={s?.usdPer1M} testId={`usd-per-1m-v${v.version}`} />
                        </td>
                        <td className="num" data-testid={`requests-v${v.version}`}>
                          {s ? formatCount(s.requests) : m ? '0' : '—'}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
                {m && m.all.requests > 0 ? (
                  <tfoot>
                    <tr>
                      <th scope="row" colSpan={6}>
                        All versions
                      </th>
                      <td className="num">
                        {formatMs(m.all.requestMs.p50)} / {formatMs(m.all.requestMs.p95)}
                      </td>
                      <td className="num">
                        <Usd value={m.all.usdPer1k} testId="usd-per-1k-all" />
                      </td>
                      <td className="num">
                        <Usd value={m.all.usdPer1M} testId="usd-per-1m-all" />
                      </td>
                      <td className="num">{formatCount(m.all.requests)}</td>
                    </tr>
                  </tfoot>
                ) : null}
              </table>
            </div>
          )}

          {versions.length > 0 ? <ModelCharts versions={versions} samples={metrics.data?.samples} servingAvailable={m !== null} /> : null}
        </>
      )}
    </>
  );
}

function ModelCharts({ versions, samples, servingAvailable }: { versions: Version[]; samples: ReturnType<typeof latencyRows> | undefined; servingAvailable: boolean }) {
  const points = versions.flatMap((v) => {
    const fin = finalStage(v);
    return fin ? [{ label: `v${v.version}`, bytes: fin.bytes, auc: fin.test.auc }] : [];
  });
  // One teacher point per distinct teacher.
  const teachers = [...new Map(versions.flatMap((v) => {
    const t = teacherStage(v);
    return t ? [[`${t.bytes}:${t.test.auc}`, { label: `teacher of v${v.version}`, bytes: t.bytes, auc: t.test.auc }] as const] : [];
  })).values()];
  const bench = versions.map((v) => ({ label: `v${v.version}`, p50: finalStage(v)?.latencyMs?.p50 ?? null, p95: finalStage(v)?.latencyMs?.p95 ?? null }));
  const series: LineSeries[] = (samples?.versions ?? []).flatMap((v) => [
    { key: `v${v}_p50`, name: `v${v} p50` },
    { key: `v${v}_p95`, name: `v${v} p95`, dashed: true },
  ]);

  return (
    <section aria-labelledby="charts-h">
      <h2 id="charts-h">Charts</h2>
      <div className="grid-2">
        <ChartFigure title="Size vs test AUC" note="deployed model of each version and its teacher">
          <SizeAucChart versions={points} teachers={teachers} />
        </ChartFigure>
        <ChartFigure title="Served latency over time" note="request p50 (solid) and p95 (dashed) per version, sampled every 5 s while this page is open">
          {!servingAvailable ? (
            <p className="muted chart-empty">Serving metrics unavailable.</p>
          ) : series.length === 0 ? (
            <p className="muted chart-empty">No requests served yet.</p>
          ) : (
            <LatencyTimeChart data={samples!.rows} series={series} />
          )}
        </ChartFigure>
        <ChartFigure title="Benchmark latency by version" note="p50 and p95 of one image on the job’s machine, from each report">
          <BenchLatencyChart data={bench} />
        </ChartFigure>
      </div>
    </section>
  );
}
