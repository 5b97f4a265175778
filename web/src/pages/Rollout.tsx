/**
 * Rollout of one alias: promote a version, send a canary share to another one, roll back. Every
 * change is confirmed in a dialog first; a target whose quality gate failed needs an explicit
 * override with a reason. Changes are conditional on the alias's ETag as loaded here: when someone
 * else changed it meanwhile the API answers 412, shown as such with a reload.
 */
import { useState } from 'react';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorNotice, Loaded, Loading, Notice } from '../components/Status.tsx';
import { Targets } from '../components/Values.tsx';
import { ApiError } from '../lib/api.ts';
import { canaryTargets, MAX_CANARY_PERCENT, sameTargets, splitOf } from '../lib/canary.ts';
import { useApi } from '../lib/context.ts';
import { formatDate, formatTargets } from '../lib/format.ts';
import { useAsync } from '../lib/hooks.ts';
import { href } from '../lib/route.ts';
import type { Alias, AuditEntry, Target, Version } from '../lib/types.ts';
import { DataTable, Fact } from '../components/Table.tsx';

const DEFAULT_ALIAS = 'prod';
const ALIAS_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

type ChangeKind = 'promote' | 'canary' | 'rollback';

interface PendingChange {
  kind: ChangeKind;
  from: Target[] | null;
  to: Target[];
}

const verb: Record<ChangeKind, string> = { promote: 'Promote', canary: 'Set canary', rollback: 'Roll back' };

export function RolloutPage({ name, alias: routeAlias }: { name: string; alias: string | null }) {
  const api = useApi();
  const alias = routeAlias ?? DEFAULT_ALIAS;
  const [aliasDraft, setAliasDraft] = useState(alias);

  const versions = useAsync<Version[]>((signal) => api.listVersions(name, signal), [api, name]);
  // The alias as last read (with its ETag); refreshed only after our own changes or on Reload, so a
  // change made elsewhere meanwhile is caught by If-Match (412) instead of silently overwritten.
  const aliasState = useAsync<{ all: Alias[]; current: Alias | null }>(
    async (signal) => {
      const all = await api.listAliases(name, signal);
      return { all, current: all.find((a) => a.alias === alias) ?? null };
    },
    [api, name, alias],
  );
  const audit = useAsync<AuditEntry[]>((signal) => api.audit(name, signal), [api, name]);

  const [pending, setPending] = useState<PendingChange | null>(null);
  const [reason, setReason] = useState('');
  const [override, setOverride] = useState(false);
  const [forceRequired, setForceRequired] = useState(false);
  const [busy, setBusy] = useState(false);
  const [dialogError, setDialogError] = useState<Error | null>(null);
  const [stale, setStale] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  // Local overrides of the loaded alias after our own successful changes.
  const [mine, setMine] = useState<Alias | null>(null);

  const current = mine && mine.alias === alias ? mine : (aliasState.data?.current ?? null);
  const list = versions.data ?? [];
  const failedGate = new Set(list.filter((v) => v.gate && !v.gate.passed).map((v) => v.version));
  const latest = list.at(-1)?.version ?? null;
  const split = splitOf(current?.targets);

  const [promoteVersion, setPromoteVersion] = useState<number | null>(null);
  const [canaryVersion, setCanaryVersion] = useState<number | null>(null);
  const [percent, setPercent] = useState<number | null>(null);
  const promoteV = promoteVersion ?? latest;
  const canaryChoices = list.filter((v) => v.version !== split?.stable);
  const canaryV = canaryVersion ?? (split?.canary ?? canaryChoices.at(-1)?.version ?? null);
  const canaryPct = percent ?? (split && split.canary === canaryV && split.percent > 0 ? split.percent : 10);

  const open = (kind: ChangeKind, to: Target[]) => {
    setPending({ kind, from: current?.targets ?? null, to });
    setReason('');
    setOverride(false);
    setForceRequired(false);
    setDialogError(null);
    setDone(null);
  };
  const needsOverride = pending !== null && pending.kind !== 'rollback' && (forceRequired || pending.to.some((t) => t.weight > 0 && failedGate.has(t.version)));
  const failedTargets = pending ? pending.to.filter((t) => t.weight > 0 && failedGate.has(t.version)).map((t) => t.version) : [];

  const reload = () => {
    setMine(null);
    setStale(null);
    aliasState.reload();
    audit.reload();
    versions.reload();
  };

  const confirm = async () => {
    if (!pending) return;
    setBusy(true);
    setDialogError(null);
    try {
      const why = reason.trim() || undefined;
      const result =
        pending.kind === 'rollback'
          ? await api.rollbackAlias(name, alias, why, current!.etag)
          : await api.setAlias(name, alias, { targets: pending.to, reason: why, ...(needsOverride && override ? { force: true } : {}) }, current?.etag ?? null);
      setMine(result);
      setPending(null);
      setDone(`${alias} now sends ${formatTargets(result.targets)} (revision ${result.revision}).`);
      setPercent(null);
      audit.reload();
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        setPending(null);
        setStale(e);
      } else if (e instanceof ApiError && e.code === 'GATE_FAILED') {
        setForceRequired(true);
        setDialogError(e);
      } else {
        setDialogError(e as Error);
      }
    } finally {
      setBusy(false);
    }
  };

  const loading = !versions.data || !aliasState.data;
  const error = versions.error ?? aliasState.error;

  return (
    <>
      <p className="breadcrumb">
        <a href={href({ page: 'models' })}>Models</a> / <a href={href({ page: 'model', name })}>{name}</a> / rollout
      </p>
      <h1 tabIndex={-1}>
        Rollout of {name}: alias {alias}
      </h1>

      <form
        className="field inline"
        onSubmit={(e) => {
          e.preventDefault();
          const a = aliasDraft.trim();
          if (ALIAS_NAME.test(a)) location.hash = href({ page: 'rollout', name, alias: a });
        }}
      >
        <label htmlFor="alias-name">Alias</label>
        <input id="alias-name" list="alias-names" value={aliasDraft} onChange={(e) => setAliasDraft(e.target.value)} pattern="[a-z0-9][a-z0-9._\-]{0,62}" aria-describedby="alias-help" />
        <datalist id="alias-names">
          {(aliasState.data?.all ?? []).map((a) => (
            <option key={a.alias} value={a.alias} />
          ))}
        </datalist>
        <button type="submit">Show</button>
        <span id="alias-help" className="help">
          Lower-case letters, digits, '.', '_' or '-'. A new name creates the alias on its first change.
        </span>
      </form>

      {error ? <ErrorNotice error={error} onRetry={reload} title="Could not load the alias" /> : null}
      {stale ? (
        <div className="notice error" role="alert" data-testid="stale-alias">
          <p>
            <strong>Alias {alias} was changed by someone else</strong> since this page loaded it (412 Precondition Failed), so your change was not applied. Reload to see its current
            targets, then decide again.
          </p>
          <p className="small muted">{stale.message}</p>
          <button type="button" className="primary" onClick={reload}>
            Reload alias
          </button>
        </div>
      ) : null}
      {done ? <Notice kind="success">{done}</Notice> : null}

      {loading ? (
        error ? null : <Loading what="the alias" />
      ) : (
        <>
          <section aria-labelledby="current-h" className="card">
            <h2 id="current-h">Current targets</h2>
            {current ? (
              <dl className="facts">
                <div>
                  <dt>{alias} sends</dt>
                  <dd data-testid="alias-targets">
                    <Targets targets={current.targets} />
                  </dd>
                </div>
                <Fact term="Revision">{current.revision}</Fact>
                <Fact term="Last change">
                  {formatDate(current.updatedAt, true)} by {current.updatedBy.name ?? current.updatedBy.keyId}
                  {current.reason ? ` — “${current.reason}”` : ''}
                  {current.force ? ' (gate override)' : ''}
                </Fact>
                <Fact term="Before that">{current.previous ? <Targets targets={current.previous} /> : 'nothing (just created)'}</Fact>
              </dl>
            ) : (
              <p>
                Alias <strong>{alias}</strong> does not exist yet: promote a version to create it.
              </p>
            )}
          </section>

          {list.length === 0 ? (
            <Notice>
              {name} has no versions yet: <a href={href({ page: 'jobs' })}>run a job</a> first.
            </Notice>
          ) : (
            <div className="grid-3">
              <section aria-labelledby="promote-h" className="card">
                <h2 id="promote-h">Promote</h2>
                <p className="muted small">Send all of {alias}’s traffic to one version.</p>
                <div className="field">
                  <label htmlFor="promote-version">Version</label>
                  <VersionSelect id="promote-version" versions={list} value={promoteV} onChange={setPromoteVersion} />
                </div>
                <button
                  type="button"
                  className="primary"
                  disabled={promoteV === null || sameTargets(current?.targets, [{ version: promoteV, weight: 1 }])}
                  onClick={() => open('promote', [{ version: promoteV!, weight: 1 }])}
                >
                  Promote v{promoteV} to {alias}…
                </button>
              </section>

              <section aria-labelledby="canary-h" className="card">
                <h2 id="canary-h">Canary</h2>
                {!split ? (
                  <p className="muted small">Promote a version first; a canary then takes a share of its traffic.</p>
                ) : canaryChoices.length === 0 ? (
                  <p className="muted small">No other version to try: run another job.</p>
                ) : (
                  <>
                    <p className="muted small">
                      Send a share of {alias}’s traffic to another version; v{split.stable} keeps the rest.
                    </p>
                    <div className="field">
                      <label htmlFor="canary-version">Canary version</label>
                      <VersionSelect id="canary-version" versions={canaryChoices} value={canaryV} onChange={(v) => setCanaryVersion(v)} />
                    </div>
                    <div className="field">
                      <label htmlFor="canary-weight">Canary weight</label>
                      <input
                        id="canary-weight"
                        type="range"
                        min={0}
                        max={MAX_CANARY_PERCENT}
                        step={1}
                        value={canaryPct}
                        aria-valuetext={`${canaryPct} % to v${canaryV}, ${100 - canaryPct} % to v${split.stable}`}
                        aria-describedby="canary-split"
                        onChange={(e) => setPercent(Number(e.target.value))}
                      />
                      <output id="canary-split" htmlFor="canary-weight" data-testid="canary-split">
                        {canaryPct} % to v{canaryV}, {100 - canaryPct} % to v{split.stable}
                      </output>
                    </div>
                    <button
                      type="button"
                      className="primary"
                      disabled={canaryV === null || sameTargets(current?.targets, canaryTargets(split.stable, canaryV, canaryPct))}
                      onClick={() => open('canary', canaryTargets(split.stable, canaryV!, canaryPct))}
                    >
                      {canaryPct === 0 ? `Remove the canary…` : `Set ${canaryPct} % canary of v${canaryV}…`}
                    </button>
                  </>
                )}
              </section>

              <section aria-labelledby="rollback-h" className="card">
                <h2 id="rollback-h">Roll back</h2>
                <p className="muted small">Restore the targets {alias} had before its last change{current?.previous ? <> ({formatTargets(current.previous)})</> : null}.</p>
                <button type="button" className="danger" disabled={!current?.previous} onClick={() => open('rollback', current!.previous!)}>
                  Roll back {alias}…
                </button>
              </section>
            </div>
          )}
        </>
      )}

      <AuditLog audit={audit} />

      <ConfirmDialog
        open={pending !== null}
        title={pending ? `${verb[pending.kind]}: alias ${alias} of ${name}` : ''}
        confirmLabel={pending ? (needsOverride ? `${verb[pending.kind]} with gate override` : verb[pending.kind]) : 'Confirm'}
        danger={pending?.kind === 'rollback' || needsOverride}
        busy={busy}
        confirmDisabled={needsOverride && (!override || reason.trim() === '')}
        onConfirm={confirm}
        onCancel={() => setPending(null)}
      >
        {pending ? (
          <>
            <dl className="facts change">
              <Fact term="From">{pending.from ? <Targets targets={pending.from} /> : 'nothing (new alias)'}</Fact>
              <Fact term="To" testId="dialog-to">
                <Targets targets={pending.to} />
              </Fact>
            </dl>
            {needsOverride ? (
              <div className="notice warning" role="alert">
                <p>
                  <strong>
                    {failedTargets.length ? `Version ${failedTargets.map((v) => `v${v}`).join(', ')} failed ${failedTargets.length > 1 ? 'their' : 'its'} quality gate.` : 'A target failed its quality gate.'}
                  </strong>{' '}
                  Routing patients to it needs an explicit override and a reason; both are recorded in the audit log.
                </p>
                <div className="check">
                  <input id="gate-override" type="checkbox" checked={override} onChange={(e) => setOverride(e.target.checked)} />
                  <label htmlFor="gate-override">Override the failed quality gate</label>
                </div>
              </div>
            ) : null}
            <div className="field">
              <label htmlFor="change-reason">Reason{needsOverride ? ' (required for an override)' : ' (optional)'}</label>
              <textarea id="change-reason" rows={3} maxLength={1000} value={reason} onChange={(e) => setReason(e.target.value)} required={needsOverride} />
            </div>
            {dialogError ? <ErrorNotice error={dialogError} title="The change was refused" /> : null}
          </>
        ) : null}
      </ConfirmDialog>
    </>
  );
}

function VersionSelect({ id, versions, value, onChange }: { id: string; versions: Version[]; value: number | null; onChange: (v: number) => void }) {
  return (
    <select id={id} value={value ?? ''} onChange={(e) => onChange(Number(e.target.value))}>
      {[...versions].reverse().map((v) => (
        <option key={v.version} value={v.version}>
          v{v.version} — {v.lineage.job?.type ?? 'version'}, {v.gate ? (v.gate.passed ? 'gate passed' : 'gate FAILED') : 'no gate'}
        </option>
      ))}
    </select>
  );
}

function AuditLog({ audit }: { audit: ReturnType<typeof useAsync<AuditEntry[]>> }) {
  return (
    <section aria-labelledby="audit-h">
      <h2 id="audit-h">Audit log</h2>
      <Loaded state={audit} what="the audit log" failed="Could not load the audit log" empty={<p className="muted">No alias changes yet.</p>}>
        {(data) => (
          <DataTable caption="Alias changes of this model, newest first" columns={['When', 'Alias', 'Action', 'From', 'To', 'Reason', 'By']} testId="audit-log">
            {data.map((e) => (
              <tr key={e.id}>
                <td>{formatDate(e.at, true)}</td>
                <td>{e.alias}</td>
                <th scope="row">
                  {e.action}
                  {e.force ? (
                    <>
                      {' '}
                      <span className="badge bad">gate override</span>
                    </>
                  ) : null}
                </th>
                <td>{e.from ? <Targets targets={e.from} /> : '—'}</td>
                <td>
                  <Targets targets={e.to} />
                </td>
                <td>{e.reason ?? <span className="muted">—</span>}</td>
                <td>{e.who.name ?? e.who.keyId}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </Loaded>
    </section>
  );
}

