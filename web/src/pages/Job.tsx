/** One job: live progress over Server-Sent Events (stage, step, percent, ETA), its log, cancel. */
import { useEffect, useRef, useState } from 'react';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorNotice, Loading } from '../components/Status.tsx';
import { useApi } from '../lib/context.ts';
import { formatDate, formatEta, formatPct, shortHash } from '../lib/format.ts';
import { useAsync } from '../lib/hooks.ts';
import { href } from '../lib/route.ts';
import type { Job, JobEvent } from '../lib/types.ts';
import { Fact } from '../components/Table.tsx';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
/** How often the log is re-read while the job runs, ms. */
const LOG_POLL_MS = 3_000;

export function JobPage({ id }: { id: string }) {
  const api = useApi();
  const job = useAsync<Job>((signal) => api.getJob(id, signal), [api, id]);
  const [live, setLive] = useState<JobEvent | null>(null);
  const [streamError, setStreamError] = useState<Error | null>(null);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [cancelBusy, setCancelBusy] = useState(false);
  const [cancelError, setCancelError] = useState<Error | null>(null);

  const status = live?.status ?? job.data?.status;
  const running = status !== undefined && !TERMINAL.has(status);
  const reloadJob = useRef(job.reload);
  reloadJob.current = job.reload;

  // Follow the event stream while the job is not finished.
  const initialStatus = job.data?.status;
  useEffect(() => {
    if (!initialStatus || TERMINAL.has(initialStatus)) return;
    const controller = new AbortController();
    api
      .followJob(id, (_name, e) => setLive(e), controller.signal)
      .then((last) => {
        if (last && TERMINAL.has(last.status)) reloadJob.current();
      })
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setStreamError(e as Error);
      });
    return () => controller.abort();
  }, [api, id, initialStatus]);

  const logs = useAsync<string>((signal) => api.jobLogs(id, signal), [api, id, status], running ? LOG_POLL_MS : undefined);
  const logRef = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [logs.data]);

  const j = job.data;
  const progress = live?.progress ?? j?.progress ?? null;
  const result = live?.result ?? j?.result ?? null;
  const error = live?.error ?? j?.error ?? null;

  return (
    <>
      <p className="breadcrumb">
        <a href={href({ page: 'jobs' })}>Jobs</a> / {id}
      </p>
      <h1 tabIndex={-1}>Job {id}</h1>
      {job.error ? <ErrorNotice error={job.error} onRetry={job.reload} title="Could not load the job" /> : null}
      {!j ? (
        job.error ? null : <Loading what="the job" />
      ) : (
        <>
          <dl className="facts">
            <Fact term="Type">
              {j.type}
              {j.preset ? ` (preset ${j.preset})` : ''}
            </Fact>
            <Fact term="Model">
              <a href={href({ page: 'model', name: j.model })}>{j.model}</a>
            </Fact>
            <Fact term="Teacher">
              {j.teacher.filename} <code>{shortHash(j.teacher.sha256)}</code>
            </Fact>
            <Fact term="Dataset">
              {j.dataset.filename} <code>{shortHash(j.dataset.sha256)}</code>
            </Fact>
            <Fact term="Submitted">{formatDate(j.createdAt, true)}</Fact>
            <Fact term="Ran">{j.startedAt ? `${formatDate(j.startedAt, true)} → ${j.finishedAt ? `${formatDate(j.finishedAt, true)} (${formatEta((Date.parse(j.finishedAt) - Date.parse(j.startedAt)) / 1000)})` : 'running'}` : 'not started'}</Fact>
            <Fact term="Options">
              <code>{JSON.stringify(j.options)}</code>
            </Fact>
          </dl>

          <section aria-labelledby="progress-h" className="card">
            <h2 id="progress-h">Progress</h2>
            <p aria-live="polite" data-testid="job-status">
              Status: <span className={`badge status-${status}`}>{status}</span>
              {running && j.cancelRequested ? ' (cancel requested)' : ''}
              {progress && running ? (
                <>
                  {' '}
                  — stage <strong>{progress.stage}</strong>: {progress.step}
                </>
              ) : null}
            </p>
            {progress ? (
              <div className="progress-row">
                <progress id="job-progress" max={100} value={progress.percent} aria-label="Job progress" />
                <span>{formatPct(progress.percent / 100, 0)}</span>
                {running ? <span data-testid="job-eta">ETA {formatEta(progress.etaSeconds)}</span> : null}
                {running && progress.total > 1 ? (
                  <span className="muted small">
                    {progress.done} / {progress.total} in this step
                  </span>
                ) : null}
              </div>
            ) : running ? (
              <p className="muted">Waiting for a worker…</p>
            ) : null}
            {status === 'succeeded' && result ? (
              <p className="notice success" data-testid="job-result">
                Finished: <a href={href({ page: 'version', name: result.model, version: result.version })}>{result.model} v{result.version}</a> is registered.
              </p>
            ) : null}
            {error ? (
              <div className="notice error" role="alert">
                <strong>
                  {status === 'cancelled' ? 'Cancelled' : 'Failed'} ({error.code})
                </strong>
                : {error.message}
              </div>
            ) : null}
            {streamError ? <ErrorNotice error={streamError} title="Live progress stopped" onRetry={() => location.reload()} /> : null}
            {running ? (
              <button type="button" className="danger" onClick={() => setConfirmCancel(true)} disabled={j.cancelRequested !== null}>
                Cancel job…
              </button>
            ) : null}
          </section>

          <section aria-labelledby="logs-h">
            <h2 id="logs-h">Log</h2>
            {logs.error ? <ErrorNotice error={logs.error} onRetry={logs.reload} title="Could not load the log" /> : null}
            <pre className="log" ref={logRef} tabIndex={0} aria-label="Job log" data-testid="job-log">
              {logs.data ?? ''}
            </pre>
          </section>
        </>
      )}
      <ConfirmDialog
        open={confirmCancel}
        title={`Cancel job ${id}?`}
        confirmLabel="Cancel job"
        danger
        busy={cancelBusy}
        onCancel={() => setConfirmCancel(false)}
        onConfirm={async () => {
          setCancelBusy(true);
          setCancelError(null);
          try {
            await api.cancelJob(id);
            setConfirmCancel(false);
            job.reload();
          } catch (e) {
            setCancelError(e as Error);
          } finally {
            setCancelBusy(false);
          }
        }}
      >
        <p>A running job stops at its next progress step; nothing is registered.</p>
        {cancelError ? <ErrorNotice error={cancelError} title="Could not cancel" /> : null}
      </ConfirmDialog>
    </>
  );
}
