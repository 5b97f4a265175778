/**
 * `Worker`: takes queued jobs from the store and runs them.
 *
 * For each job: claim it (a conditional write — two workers never run one job), download the
 * teacher and dataset to a temporary folder and check their SHA-256 against the uploads, run the
 * executor with throttled progress updates (stage, percent, ETA) that also renew the lease, and
 * then either register a version (artifacts verified, manifest last) or record the error and
 * register nothing. Cancellation, a lost lease and shutdown abort the job at its next progress
 * event (the pipeline's `onProgress` throws).
 *
 * On start (and every half lease) it marks jobs left `running` by a dead worker as failed:
 * a lease that expired, or (filesystem store) a process on this host that no longer exists.
 */
import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { JANITOR_EVERY_MS, sweep } from './janitor.ts';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore, InputRef, JobDoc, JobFailure, JobLease, JobProgressState } from '@medslim/registry';
import { FsBlobStore, Registry, RegistryError } from '@medslim/registry';
import type { JobExecutor } from './executors.ts';
import { executors as defaultExecutors } from './executors.ts';
import type { ProgressEvent } from './progress.ts';
import { ProgressTracker } from './progress.ts';
import { runInThread } from './thread/run-in-thread.ts';

/** Options of `Worker`; every default is meant for a local machine. */
export interface WorkerOptions {
  store: BlobStore;
  /** Unique id of this worker (default `host:pid:random`). */
  workerId?: string;
  /** A job not heartbeated for this long counts as abandoned, in ms. Default 30 000. */
  leaseMs?: number;
  /** Wait between polls of an empty queue, in ms. Default 1 000 (`kick()` wakes it at once). */
  pollMs?: number;
  /** Least time between two progress writes of one job, in ms. Default 500. */
  progressIntervalMs?: number;
  /** Job types it can run (default: the `executors` table). */
  executors?: Record<string, JobExecutor>;
  /**
   * Where executors run: `thread` (a worker thread per job, so inference cannot starve heartbeats and
   * cancel) or `inline` (this thread; needed for executor objects that cannot cross threads).
   * Default: `thread` with the built-in table, `inline` when `executors` is given.
   */
  isolation?: 'thread' | 'inline';
  /**
   * Also treat a job as abandoned at once when its lease names a process on this host that no longer
   * exists (no wait for the lease to expire). Safe when every worker shares this machine's process
   * table; default: true for the filesystem store (one machine), false otherwise (containers on
   * other hosts may reuse hostnames and pids).
   */
  checkLocalPids?: boolean;
  /** Where the per-job temporary folders go (default the OS temp dir). */
  workDir?: string;
  /** Process-level log lines (default: stderr). Never gets image or label values. */
  log?: (line: string) => void;
}

/** Thrown inside `onProgress` to abort a job. */
class AbortJob extends Error {
  constructor(
    readonly failure: JobFailure,
    readonly status: 'failed' | 'cancelled',
  ) {
    super(failure.message);
  }
}

/** Error names whose message is meant for the user (bad input), as opposed to a bug. */
const INPUT_ERRORS = new Set(['OnnxError', 'DataError', 'JobError', 'QuantizeError', 'EvalError', 'DistillError', 'RegistryError', 'IntakeError']);
/** onnxruntime-node's messages when it refuses a model (plain Errors): the tenant's model, not a bug here. */
const ORT_REJECTED = /^\[ONNXRuntimeError\]|Failed to load model|protobuf parsing failed|Load model from .* failed/;

/**
 * `text` without server paths: each of `dirs` (and anything under it) becomes its last segment's content
 * relative to it (`/tmp/medslim-job_x-ab/teacher.onnx` → `teacher.onnx`), and any other absolute path
 * under a usual root (/tmp, /home, /var, /usr, /work, …) becomes its last segment.
 */
export function redactPaths(text: string, dirs: (string | null)[]): string {
  let out = text;
  for (const d of dirs) if (d) out = out.split(`${d}${path.sep}`).join('').split(d).join('.');
  return out.replace(/(?:file:\/\/)?\/(?:tmp|var|home|root|work|usr|opt|srv|mnt|app|Users|private)\/(?:[\w.@+-]+\/)*([\w.@+-]+)/g, (_m, file: string) => file);
}

/** True when a process with this id exists on this machine. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const who = (a: { name: string | null; keyId: string }) => (a.name ? `${a.name} (key ${a.keyId})` : `key ${a.keyId}`);

/** Runs queued jobs; see the module comment. */
export class Worker {
  readonly id: string;
  readonly registry: Registry;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly progressIntervalMs: number;
  private readonly executors: Record<string, JobExecutor>;
  private readonly isolation: 'thread' | 'inline';
  private readonly checkLocalPids: boolean;
  private readonly workDir: string;
  private readonly log: (line: string) => void;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private lastRecovery = 0;
  /** The job being run now, with the flags `onProgress` checks. */
  private current: { id: string; abort: AbortJob | null } | null = null;

  constructor(opts: WorkerOptions) {
    this.registry = new Registry(opts.store);
    this.id = opts.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.pollMs = opts.pollMs ?? 1_000;
    this.progressIntervalMs = opts.progressIntervalMs ?? 500;
    this.executors = opts.executors ?? defaultExecutors;
    this.isolation = opts.isolation ?? (opts.executors ? 'inline' : 'thread');
    if (this.isolation === 'thread' && opts.executors && opts.executors !== defaultExecutors) {
      throw new TypeError("isolation 'thread' runs the built-in executors table only; use isolation 'inline' for custom executors");
    }
    this.checkLocalPids = opts.checkLocalPids ?? opts.store instanceof FsBlobStore;
    this.workDir = opts.workDir ?? tmpdir();
    this.log = opts.log ?? ((line) => process.stderr.write(`medslim worker: ${line}\n`));
  }

  /** Mark jobs left running by dead workers as failed (WORKER_LOST). Returns them. */
  /** When the janitor last ran (0: at the first poll, after recovery). */
  private lastSweep = 0;

  async recover(): Promise<JobDoc[]> {
    this.lastRecovery = Date.now();
    const host = hostname();
    const isDead = (lease: JobLease) => this.checkLocalPids && lease.host === host && lease.pid !== process.pid && !processAlive(lease.pid);
    const failed = await this.registry.jobs.recoverAbandoned({ isDead });
    for (const j of failed) this.log(`job ${j.id} was left running by a worker that stopped; marked failed (WORKER_LOST)`);
    return failed;
  }

  /** Claim and run the oldest queued job; resolves with its final document, or null when the queue is empty. */
  async runOnce(): Promise<JobDoc | null> {
    for (const id of await this.registry.jobs.queuedIds()) {
      if (this.stopping) return null;
      const doc = await this.registry.jobs.claim(id, { workerId: this.id, leaseMs: this.leaseMs });
      if (doc) return this.execute(doc);
    }
    return null;
  }

  /**
   * Claim and run one given job (AWS Batch runs one job per container).
   * @returns its final document; when it was not queued (already taken, cancelled, finished) the current one.
   * @throws RegistryError 'NOT_FOUND' when there is no such job.
   */
  async runJob(id: string): Promise<JobDoc> {
    const doc = await this.registry.jobs.claim(id, { workerId: this.id, leaseMs: this.leaseMs });
    if (doc) return this.execute(doc);
    const cur = await this.registry.jobs.get(id);
    if (!cur) throw new RegistryError('NOT_FOUND', `job ${id} not found`);
    return cur.value;
  }

  /** Start polling in the background (recovery first). Idempotent. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.pollLoop();
  }

  /** Wake the poll loop now (a job was queued). */
  kick(): void {
    this.wake?.();
  }

  /** Abort job `id` at its next progress event if this worker is running it (the API's cancel, forwarded). */
  notifyCancel(id: string): void {
    if (this.current?.id === id && !this.current.abort) {
      this.current.abort = new AbortJob({ code: 'CANCELLED', message: 'cancelled on request', name: null }, 'cancelled');
    }
  }

  /**
   * Stop polling. A running job is aborted at its next progress event and marked failed
   * (WORKER_STOPPED); waits for that at most `graceMs` (default 15 000) — after that the job's
   * lease expires and the next worker start marks it WORKER_LOST.
   */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    if (this.current && !this.current.abort) {
      this.current.abort = new AbortJob({ code: 'WORKER_STOPPED', message: 'the worker was shut down while running this job; nothing was registered; submit the job again', name: null }, 'failed');
    }
    this.wake?.();
    if (this.loop) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.loop, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    this.loop = null;
  }

  private async pollLoop(): Promise<void> {
    while (!this.stopping) {
      try {
        if (Date.now() - this.lastRecovery >= this.leaseMs / 2) await this.recover();
        if (Date.now() - this.lastSweep >= JANITOR_EVERY_MS) {
          this.lastSweep = Date.now();
          await sweep({ registry: this.registry, workDir: this.workDir, log: this.log });
        }
        if (await this.runOnce()) continue;
      } catch (e) {
        this.log(`poll failed: ${(e as Error).message}`);
      }
      if (this.stopping) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.pollMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Run a claimed job to its end; never throws for the job's own failures. */
  private async execute(claimed: JobDoc): Promise<JobDoc> {
    const jobs = this.registry.jobs;
    const id = claimed.id;
    const current: { id: string; abort: AbortJob | null } = { id, abort: null };
    this.current = current;
    const lines: string[] = [];
    let logChain: Promise<void> = Promise.resolve();
    const flushLog = () => {
      const text = lines.splice(0).join('');
      if (text) logChain = logChain.then(() => jobs.appendLog(id, text)).catch((e: unknown) => this.log(`job ${id}: could not write its log: ${(e as Error).message}`));
      return logChain;
    };
    // Tenants read this log: server paths (the job's scratch folder, the work dir) are cut out of every line.
    let tmp: string | null = null;
    const redact = (text: string) => redactPaths(text, [tmp, this.workDir]);
    const log = (line: string) => {
      lines.push(`[${new Date().toISOString()}] ${redact(line)}\n`);
    };

    const executor = Object.hasOwn(this.executors, claimed.type) ? this.executors[claimed.type] : undefined;
    const tracker = new ProgressTracker([
      { stage: 'prepare', step: 'download', weight: 3 },
      ...(executor ? executor.plan(claimed.options) : []),
      { stage: 'register', step: 'store', weight: 4 },
    ]);
    let latest: JobProgressState | null = null;
    let lastWrite = 0;
    let writing: Promise<void> | null = null;
    // One heartbeat at a time: renews the lease, records the latest progress, learns about cancel
    // requests, and appends the log lines gathered since the last one.
    const beat = (): Promise<void> => {
      if (writing) return writing;
      lastWrite = Date.now();
      void flushLog();
      const progress = latest ?? undefined;
      writing = jobs
        .heartbeat(id, this.id, this.leaseMs, progress)
        .then((doc) => {
          if (doc.cancelRequested && !current.abort) {
            current.abort = new AbortJob({ code: 'CANCELLED', message: `cancelled by ${who(doc.cancelRequested.by)} at ${doc.cancelRequested.at}; nothing was registered`, name: null }, 'cancelled');
          }
        })
        .catch((e: unknown) => {
          if (RegistryError.is(e, 'CONFLICT') && !current.abort) {
            current.abort = new AbortJob({ code: 'WORKER_LOST', message: e.message, name: null }, 'failed');
          } else this.log(`job ${id}: heartbeat failed: ${(e as Error).message}`);
        })
        .finally(() => {
          writing = null;
        });
      return writing;
    };
    const heartbeat = setInterval(() => void beat(), Math.max(50, Math.floor(this.leaseMs / 3)));
    let step = '';
    const onProgress = (p: ProgressEvent) => {
      if (current.abort) throw current.abort;
      latest = tracker.update(p);
      const name = `${p.stage} ${p.step}`;
      if (name !== step) {
        step = name;
        log(`${name}: started (${latest.percent} %)`);
      }
      if (Date.now() - lastWrite >= this.progressIntervalMs) void beat();
    };

    let outcome: Parameters<typeof jobs.finish>[2];
    try {
      log(`claimed by worker ${this.id} (attempt ${claimed.attempts}); ${claimed.type} job for model '${claimed.model}'`);
      if (!executor) {
        throw new AbortJob({ code: 'UNKNOWN_JOB_TYPE', message: `this worker cannot run '${claimed.type}' jobs (it runs: ${Object.keys(this.executors).join(', ')})`, name: null }, 'failed');
      }
      await beat();
      tmp = await mkdtemp(path.join(this.workDir, `medslim-${id}-`));
      const outDir = path.join(tmp, 'out');
      onProgress({ stage: 'prepare', step: 'download', done: 0, total: 2 });
      const teacherPath = await this.download(claimed, claimed.teacher, path.join(tmp, 'teacher.onnx'));
      onProgress({ stage: 'prepare', step: 'download', done: 1, total: 2 });
      const datasetPath = await this.download(claimed, claimed.dataset, path.join(tmp, safeName(claimed.dataset.filename, 'dataset.npz')));
      onProgress({ stage: 'prepare', step: 'download', done: 2, total: 2 });
      log(`inputs verified: teacher ${claimed.teacher.sha256.slice(0, 12)}… (${claimed.teacher.bytes} bytes), dataset ${claimed.dataset.sha256.slice(0, 12)}… (${claimed.dataset.bytes} bytes)`);

      const ctx = { teacherPath, datasetPath, outDir, options: claimed.options, onProgress, log, cancelled: () => current.abort !== null };
      const { report, codeVersion, artifacts = [...executor.artifacts] } = this.isolation === 'thread' ? await runInThread(claimed.type, ctx, () => current.abort) : await executor.run(ctx);
      onProgress({ stage: 'register', step: 'store', done: 0, total: 1 });
      await beat(); // last chance to see a cancel before anything becomes visible
      if (current.abort) throw current.abort;
      log(`job finished; registering ${artifacts.join(', ')}`);
      const manifest = await this.registry.versions.register(claimed.tenant, claimed.model, {
        artifacts: artifacts.map((file) => ({ file, path: path.join(outDir, file) })),
        lineage: {
          teacher: claimed.teacher,
          dataset: claimed.dataset,
          job: { id, type: claimed.type, preset: claimed.preset, options: claimed.options },
          codeVersion,
        },
        metrics: report.stages,
        gate: report.gate ?? null,
        createdBy: claimed.createdBy,
        reportFile: executor.reportFile,
      });
      log(`registered version ${manifest.version} of model '${claimed.model}'`);
      outcome = { status: 'succeeded', result: { model: claimed.model, version: manifest.version } };
    } catch (e) {
      if (e instanceof AbortJob) {
        outcome = e.status === 'cancelled' ? { status: 'cancelled', error: e.failure } : { status: 'failed', error: e.failure };
        log(`${e.status}: ${e.failure.message}`);
      } else {
        const err = e as Error & { code?: unknown };
        const rejected = !INPUT_ERRORS.has(err?.name) && ORT_REJECTED.test(err?.message ?? '');
        const input = INPUT_ERRORS.has(err?.name) || rejected;
        // Tenants see what they can act on; the stack and internal messages go to the operator's log only.
        const failure: JobFailure = {
          code: rejected ? 'MODEL_REJECTED' : typeof err?.code === 'string' ? err.code : 'INTERNAL',
          message: rejected
            ? `ONNX Runtime cannot load or run the model: ${redact(err.message)}. Check the model (medslim inspect, onnx.checker) and its opset`
            : input
              ? redact(err.message)
              : `internal error (job ${id}); the operator's server log has the details`,
          name: err?.name ?? null,
        };
        outcome = { status: 'failed', error: failure };
        log(`failed [${failure.code}]: ${failure.message}`);
        if (!input) this.log(`job ${id} failed with an internal error: ${err?.stack ?? String(e)}`);
      }
    } finally {
      clearInterval(heartbeat);
      if (tmp) await rm(tmp, { recursive: true, force: true }).catch(() => {});
    }
    await writing;
    // The log is complete before the job is seen as finished: a client that reads it once on `done` gets it all.
    await flushLog();
    let final: JobDoc | null = null;
    for (let attempt = 0; final === null; attempt++) {
      try {
        final = await jobs.finish(id, this.id, outcome);
      } catch (e) {
        // A lost lease (recovered as failed elsewhere) is final; a store hiccup is retried.
        if (!RegistryError.is(e, 'CONFLICT') && attempt < 5) {
          await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
          continue;
        }
        log(`could not record the outcome: ${(e as Error).message}`);
        final = (await jobs.get(id).catch(() => null))?.value ?? claimed;
      }
    }
    await flushLog(); // only what recording the outcome itself logged
    this.log(`job ${id} ${final.status}${final.result ? ` → ${final.result.model} v${final.result.version}` : final.error ? ` [${final.error.code}]` : ''}`);
    if (this.current === current) this.current = null;
    return final;
  }

  /** Stream an upload to `file`, checking its SHA-256 and size against the upload record. */
  private async download(job: JobDoc, ref: InputRef, file: string): Promise<string> {
    const { stream } = await this.registry.store.getStream(this.registry.uploads.blobKey(job.tenant, ref.upload));
    const hash = createHash('sha256');
    let bytes = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        bytes += chunk.byteLength;
        cb(null, chunk);
      },
    });
    await pipeline(stream, tap, createWriteStream(file));
    const sha256 = hash.digest('hex');
    if (sha256 !== ref.sha256 || bytes !== ref.bytes) {
      throw new RegistryError('INTEGRITY', `upload ${ref.upload} changed since it was uploaded (sha256 ${sha256}, ${bytes} bytes; expected ${ref.sha256}, ${ref.bytes} bytes)`);
    }
    return file;
  }
}

function safeName(name: string | null, fallback: string): string {
  return name && /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/.test(name) ? name : fallback;
}
