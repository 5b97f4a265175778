/**
 * Jobs: upload a teacher and a dataset through the API, create a model, submit a compress or
 * quantize job, and the list of recent jobs (each links to its live progress).
 */
import { useState } from 'react';
import { SelectField } from '../components/Fields.tsx';
import { ErrorNotice, Loaded, Loading } from '../components/Status.tsx';
import type { Api } from '../lib/api.ts';
import { useApi } from '../lib/context.ts';
import { formatBytes, formatDate, formatPct, shortHash } from '../lib/format.ts';
import { useAsync } from '../lib/hooks.ts';
import { parseOptions } from '../lib/options.ts';
import { href } from '../lib/route.ts';
import type { Job, Model, Upload } from '../lib/types.ts';
import { DataTable, num } from '../components/Table.tsx';

/**
 * Presets per job type, as the API names them (functions/api/src/job-types.ts); the first is
 * what the form offers by default. The API checks them again and names the valid ones on a 400.
 */
export const JOB_TYPES = {
  compress: { label: 'compress: distill → prune → INT8, with a clinical safety gate', presets: ['quick', 'standard'] },
  quantize: { label: 'quantize: INT8 of the teacher, before/after report', presets: ['default', 'fast', 'accurate'] },
} as const;
type JobType = keyof typeof JOB_TYPES;

export function JobsPage() {
  const api = useApi();
  const uploads = useAsync<Upload[]>((signal) => api.listUploads(signal), [api]);
  const models = useAsync<Model[]>((signal) => api.listModels(signal), [api]);
  const jobs = useAsync<Job[]>((signal) => api.listJobs(signal), [api], 4_000);

  const [teacher, setTeacher] = useState('');
  const [dataset, setDataset] = useState('');
  const [model, setModel] = useState('');

  const ready = (uploads.data ?? []).filter((u) => u.status === 'ready');
  const teacherId = teacher || ready.find((u) => u.filename?.endsWith('.onnx'))?.id || '';
  const datasetId = dataset || ready.find((u) => u.filename?.endsWith('.npz'))?.id || '';
  const modelName = model || models.data?.[0]?.name || '';
  /** After an upload: select it and list it. */
  const uploaded = (select: (id: string) => void) => (u: Upload) => {
    select(u.id);
    uploads.reload();
  };

  return (
    <>
      <h1 tabIndex={-1}>Jobs</h1>
      <div className="grid-2">
        <section aria-labelledby="upload-h" className="card">
          <h2 id="upload-h">1. Upload a teacher and a dataset</h2>
          {/* A model with external data: select the .onnx and its data files together, or one .zip of them. */}
          <FileUpload api={api} id="upload-teacher" label="Teacher model (ONNX)" accept=".onnx,.data,.bin,.zip" multiple onUploaded={uploaded(setTeacher)} />
          <FileUpload api={api} id="upload-dataset" label="Dataset (MedMNIST-style .npz)" accept=".npz" onUploaded={uploaded(setDataset)} />
        </section>
        <CreateModel
          api={api}
          onCreated={(m) => {
            setModel(m.name);
            models.reload();
          }}
        />
      </div>

      <SubmitJob
        api={api}
        uploads={ready}
        models={models.data ?? []}
        loading={!uploads.data || !models.data}
        teacher={teacherId}
        dataset={datasetId}
        model={modelName}
        onTeacher={setTeacher}
        onDataset={setDataset}
        onModel={setModel}
      />

      <section aria-labelledby="jobs-h">
        <h2 id="jobs-h">Recent jobs</h2>
        <Loaded state={jobs} what="jobs" failed="Could not load the jobs" empty={<p className="muted">No jobs yet.</p>}>
          {(data) => (
            <DataTable caption="Jobs of this tenant, newest first (refreshed every 4 s)" columns={['Job', 'Type', 'Model', 'Status', num('Progress'), 'Submitted', 'Result']}>
              {data.map((j) => (
                <tr key={j.id}>
                  <th scope="row">
                    <a href={href({ page: 'job', id: j.id })}>{j.id}</a>
                  </th>
                  <td>
                    {j.type}
                    {j.preset ? ` (${j.preset})` : ''}
                  </td>
                  <td>
                    <a href={href({ page: 'model', name: j.model })}>{j.model}</a>
                  </td>
                  <td>
                    <span className={`badge status-${j.status}`}>{j.status}</span>
                  </td>
                  <td className="num">{j.progress ? formatPct(j.progress.percent / 100, 0) : '—'}</td>
                  <td>{formatDate(j.createdAt, true)}</td>
                  <td>{j.result ? <a href={href({ page: 'version', name: j.result.model, version: j.result.version })}>v{j.result.version}</a> : j.error ? j.error.code : '—'}</td>
                </tr>
              ))}
            </DataTable>
          )}
        </Loaded>
      </section>
    </>
  );
}

/** A file picker that uploads the chosen file at once, with progress and the stored SHA-256. */
function FileUpload({ api, id, label, accept, multiple = false, onUploaded }: { api: Api; id: string; label: string; accept: string; multiple?: boolean; onUploaded: (u: Upload) => void }) {
  const [progress, setProgress] = useState<number | null>(null);
  const [result, setResult] = useState<Upload | null>(null);
  const [error, setError] = useState<Error | null>(null);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="file"
        accept={accept}
        multiple={multiple}
        aria-describedby={`${id}-status`}
        disabled={progress !== null}
        onChange={async (e) => {
          const files = [...(e.target.files ?? [])];
          if (files.length === 0) return;
          setError(null);
          setResult(null);
          setProgress(0);
          try {
            const u = await api.upload(files, setProgress);
            setResult(u);
            onUploaded(u);
          } catch (err) {
            setError(err as Error);
          } finally {
            setProgress(null);
            e.target.value = '';
          }
        }}
      />
      <div id={`${id}-status`} role="status" className="upload-status">
        {progress !== null ? (
          <>
            <progress max={1} value={progress} aria-label={`Uploading to the API`} /> {formatPct(progress, 0)}
          </>
        ) : result ? (
          <span data-testid={`${id}-done`}>
            Uploaded {result.filename} ({formatBytes(result.bytes)}, SHA-256 <code>{shortHash(result.sha256)}</code>…) as <code>{result.id}</code>
          </span>
        ) : null}
      </div>
      {error ? <ErrorNotice error={error} title="Upload failed" /> : null}
    </div>
  );
}

function CreateModel({ api, onCreated }: { api: Api; onCreated: (m: Model) => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  return (
    <section aria-labelledby="model-h" className="card">
      <h2 id="model-h">2. Create a model</h2>
      <p className="muted small">A model is a named slot: each finished job adds a version to it.</p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          setCreated(null);
          try {
            const m = await api.createModel(name.trim(), description.trim() || undefined);
            setCreated(m.name);
            setName('');
            setDescription('');
            onCreated(m);
          } catch (err) {
            setError(err as Error);
          } finally {
            setBusy(false);
          }
        }}
      >
        <div className="field">
          <label htmlFor="model-name">Name</label>
          <input id="model-name" value={name} onChange={(e) => setName(e.target.value)} required pattern="[a-z0-9][a-z0-9._\-]{0,62}" aria-describedby="model-name-help" autoComplete="off" />
          <p id="model-name-help" className="help">
            1–63 lower-case letters, digits, '.', '_' or '-'.
          </p>
        </div>
        <div className="field">
          <label htmlFor="model-description">Description (optional)</label>
          <input id="model-description" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create model'}
        </button>
        <div role="status">{created ? <span>Model {created} created.</span> : null}</div>
        {error ? <ErrorNotice error={error} title="Could not create the model" /> : null}
      </form>
    </section>
  );
}

interface SubmitProps {
  api: Api;
  uploads: Upload[];
  models: Model[];
  loading: boolean;
  teacher: string;
  dataset: string;
  model: string;
  onTeacher: (id: string) => void;
  onDataset: (id: string) => void;
  onModel: (name: string) => void;
}

function SubmitJob({ api, uploads, models, loading, teacher, dataset, model, onTeacher, onDataset, onModel }: SubmitProps) {
  const [type, setType] = useState<JobType>('compress');
  const [preset, setPreset] = useState<string>(JOB_TYPES.compress.presets[0]);
  const [options, setOptions] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const uploadLabel = (u: Upload) => `${u.filename ?? u.id} — ${formatBytes(u.bytes)}, ${shortHash(u.sha256)}…, ${formatDate(u.createdAt)}`;
  const uploadOptions = uploads.map((u) => [u.id, uploadLabel(u)] as const);

  return (
    <section aria-labelledby="submit-h" className="card">
      <h2 id="submit-h">3. Submit a job</h2>
      {loading ? (
        <Loading what="uploads and models" />
      ) : (
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            let opts: Record<string, unknown> | undefined;
            try {
              opts = parseOptions(options);
            } catch (err) {
              setError(err as Error);
              document.getElementById('job-options')?.focus();
              return;
            }
            setBusy(true);
            try {
              const job = await api.submitJob({ type, model, teacher, dataset, preset: preset === 'default' ? undefined : preset, options: opts });
              location.hash = href({ page: 'job', id: job.id });
            } catch (err) {
              setError(err as Error);
              setBusy(false);
            }
          }}
        >
          <div className="grid-3 tight">
            <SelectField
              id="job-type"
              label="Job type"
              value={type}
              onChange={(v) => {
                const t = v as JobType;
                setType(t);
                setPreset(JOB_TYPES[t].presets[0]);
              }}
              options={Object.entries(JOB_TYPES).map(([t, spec]) => [t, spec.label] as const)}
            />
            <SelectField id="job-preset" label="Preset" value={preset} onChange={setPreset} options={JOB_TYPES[type].presets.map((p) => [p, p] as const)} />
            <SelectField id="job-model" label="Model (receives the new version)" value={model} onChange={onModel} options={models.map((m) => [m.name, m.name] as const)} empty="create a model first" required />
            <SelectField id="job-teacher" label="Teacher upload" value={teacher} onChange={onTeacher} options={uploadOptions} empty="upload a teacher first" required />
            <SelectField id="job-dataset" label="Dataset upload" value={dataset} onChange={onDataset} options={uploadOptions} empty="upload a dataset first" required />
          </div>
          <details>
            <summary>Advanced options (JSON)</summary>
            <div className="field">
              <label htmlFor="job-options">Options, merged over the preset</label>
              <textarea
                id="job-options"
                rows={4}
                spellCheck={false}
                value={options}
                onChange={(e) => setOptions(e.target.value)}
                placeholder={type === 'compress' ? '{"distill": {"epochs": 2}, "prune": {"fineTuneEpochs": 1}, "seed": 1}' : '{"calibrator": "percentile", "percentile": 99.99}'}
                aria-describedby="job-options-help"
              />
              <p id="job-options-help" className="help">
                {type === 'compress'
                  ? 'seed, distill {width, epochs, temperature, alpha, lr, batchSize}, prune {schedule (iterative levels) or targetParamsReduction, minChannels, fineTuneEpochs, fineTuneLr}, quantize {…}, budgets {auc, sensitivity, ece, agreement}.'
                  : 'calibrator, percentile, calibrationSize, perChannel, reduceRange, activationType, exclude, seed, latencyIterations, throughputIterations.'}
              </p>
            </div>
          </details>
          {error ? <ErrorNotice error={error} title="The job was not submitted" /> : null}
          <button type="submit" className="primary" disabled={busy || !model || !teacher || !dataset}>
            {busy ? 'Submitting…' : `Submit ${type} job`}
          </button>
        </form>
      )}
    </section>
  );
}
