/** Models: each model's aliases (targets and weights), latest version and requests in the last hour. */
import { Fragment } from 'react';
import { ErrorNotice, Loading, Notice } from '../components/Status.tsx';
import { Targets } from '../components/Values.tsx';
import { useApi } from '../lib/context.ts';
import { formatCount, formatDate } from '../lib/format.ts';
import { useAsync } from '../lib/hooks.ts';
import { href } from '../lib/route.ts';
import type { ModelDetail, ModelMetrics } from '../lib/types.ts';
import { DataTable, num } from '../components/Table.tsx';

interface Row {
  model: ModelDetail;
  metrics: ModelMetrics | null;
}

export function ModelsPage() {
  const api = useApi();
  const rows = useAsync<Row[]>(
    async (signal) => {
      const models = await api.listModels(signal);
      return Promise.all(
        models.map(async (m) => {
          const [model, metrics] = await Promise.all([api.getModel(m.name, signal), api.metrics(m.name, signal)]);
          return { model, metrics };
        }),
      );
    },
    [api],
    15_000,
  );
  const servingKnown = rows.data?.some((r) => r.metrics !== null);

  return (
    <>
      <h1 tabIndex={-1}>Models</h1>
      {rows.error ? <ErrorNotice error={rows.error} onRetry={rows.reload} title="Could not load the models" /> : null}
      {!rows.data ? (
        rows.error ? null : <Loading what="models" />
      ) : rows.data.length === 0 ? (
        <Notice>
          No models yet. <a href={href({ page: 'jobs' })}>Create one and run a job</a> on the Jobs page.
        </Notice>
      ) : (
        <>
          <DataTable caption="Models of this tenant, with where each alias sends traffic" columns={['Model', 'Aliases (targets and weights)', 'Latest version', num('Requests, last hour'), 'Created']}>
            {rows.data.map(({ model, metrics }) => {
              const latest = model.versions.length ? Math.max(...model.versions) : null;
              const aliases = Object.entries(model.aliases).sort(([a], [b]) => a.localeCompare(b));
              return (
                <tr key={model.name}>
                  <th scope="row">
                    <a href={href({ page: 'model', name: model.name })}>{model.name}</a>
                    {model.description ? <div className="muted small">{model.description}</div> : null}
                  </th>
                  <td>
                    {aliases.length === 0 ? (
                      <span className="muted">none</span>
                    ) : (
                      <dl className="aliases">
                        {aliases.map(([alias, targets]) => (
                          <Fragment key={alias}>
                            <dt>
                              <a href={href({ page: 'rollout', name: model.name, alias })}>{alias}</a>
                            </dt>
                            <dd>
                              <Targets targets={targets} />
                            </dd>
                          </Fragment>
                        ))}
                      </dl>
                    )}
                  </td>
                  <td>{latest === null ? <span className="muted">none yet</span> : <a href={href({ page: 'version', name: model.name, version: latest })}>v{latest}</a>}</td>
                  <td className="num" data-testid={`requests-last-hour-${model.name}`}>
                    {metrics ? formatCount(metrics.all.requestsLastHour) : '—'}
                  </td>
                  <td>{formatDate(model.createdAt)}</td>
                </tr>
              );
            })}
          </DataTable>
          {servingKnown === false ? <p className="muted small">Request counts are unavailable: this server does not serve inference metrics.</p> : null}
        </>
      )}
    </>
  );
}
