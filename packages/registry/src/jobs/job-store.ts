/**
 * `JobStore`: jobs as JSON documents in the BlobStore, safe for an API and any number of workers
 * at once. Every change is a compare-and-swap on the job document (`ifMatch`), so:
 * - two workers never run one job (`claim` is a conditional write; the loser gets `null`);
 * - a cancel request and a progress update never overwrite each other;
 * - a worker whose lease expired (recovered as failed) cannot write the job again.
 *
 * Markers (`queue/queued/{id}`, `queue/running/{id}`, `tenants/{t}/jobs/{id}`) are hints for
 * listing without reading every job; the job document is the truth and stale markers are removed
 * when seen.
 */
import { hostname } from 'node:os';
import type { BlobStore } from '../store/index.ts';
import { StoreError } from '../store/index.ts';
import { RegistryError } from '../errors.ts';
import type { Doc } from '../json.ts';
import { listKeys, readDoc, updateDoc, writeDoc } from '../json.ts';
import { layout } from '../layout.ts';
import { isId, newId } from '../names.ts';
import type { Actor } from '../principal.ts';
import type { JobDoc, JobFailure, JobLease, JobProgressState, JobSpec, JobStatus } from './types.ts';
import { isTerminal } from './types.ts';

/** Tuning of `JobStore`. */
export interface JobStoreOptions {
  /** Largest job log kept, in bytes; older lines are dropped first. Default 256 KiB. */
  maxLogBytes?: number;
}

/** How a worker ends a job. */
export type JobOutcome =
  | { status: 'succeeded'; result: { model: string; version: number } }
  | { status: 'failed'; error: JobFailure }
  | { status: 'cancelled'; error: JobFailure };

const now = () => new Date().toISOString();
const empty = new Uint8Array(0);

/** Jobs: create, claim, progress, cancel, finish, logs and crash recovery. */
export class JobStore {
  readonly maxLogBytes: number;

  constructor(
    private readonly store: BlobStore,
    opts: JobStoreOptions = {},
  ) {
    this.maxLogBytes = opts.maxLogBytes ?? 256 * 1024;
  }

  /** Queue a new job. The markers go first, the job document last (a marker without a document is skipped). */
  async create(input: { tenant: string; spec: JobSpec; createdBy: Actor }): Promise<JobDoc> {
    const id = newId('job');
    const at = now();
    const { type, model, teacher, dataset, preset, options } = input.spec; // only the spec's own fields
    const doc: JobDoc = {
      id,
      tenant: input.tenant,
      type,
      model,
      teacher,
      dataset,
      preset,
      options,
      status: 'queued',
      createdAt: at,
      createdBy: input.createdBy,
      updatedAt: at,
      startedAt: null,
      finishedAt: null,
      progress: null,
      cancelRequested: null,
      lease: null,
      attempts: 0,
      error: null,
      result: null,
    };
    await this.store.put(layout.queued(id), empty);
    await this.store.put(layout.tenantJob(input.tenant, id), empty);
    await writeDoc(this.store, layout.jobDoc(id), doc, { ifNoneMatch: '*' });
    return doc;
  }

  /** A job document and its ETag, or null. */
  async get(id: string): Promise<Doc<JobDoc> | null> {
    return isId('job', id) ? readDoc<JobDoc>(this.store, layout.jobDoc(id)) : null;
  }

  /** A job of `tenant`. @throws RegistryError 'NOT_FOUND' (also for another tenant's job). */
  async getForTenant(tenant: string, id: string): Promise<JobDoc> {
    const doc = await this.get(id);
    if (!doc || doc.value.tenant !== tenant) throw new RegistryError('NOT_FOUND', `job ${JSON.stringify(id)} not found`);
    return doc.value;
  }

  /** Jobs of `tenant`, newest first, optionally only those in `status`, at most `limit`. */
  async listForTenant(tenant: string, opts: { status?: JobStatus; limit?: number } = {}): Promise<JobDoc[]> {
    const ids = (await listKeys(this.store, layout.tenantJobsPrefix(tenant))).map((k) => k.slice(k.lastIndexOf('/') + 1)).sort().reverse();
    const out: JobDoc[] = [];
    for (const id of ids) {
      const doc = await this.get(id);
      if (!doc || doc.value.tenant !== tenant) continue;
      if (opts.status && doc.value.status !== opts.status) continue;
      out.push(doc.value);
      if (opts.limit !== undefined && out.length >= opts.limit) break;
    }
    return out;
  }

  /** Ids of queued jobs, oldest first (from the markers). */
  async queuedIds(): Promise<string[]> {
    return (await listKeys(this.store, layout.queuedPrefix())).map((k) => k.slice(k.lastIndexOf('/') + 1)).filter((id) => isId('job', id)).sort();
  }

  /** Ids of jobs marked running, oldest first. */
  async runningIds(): Promise<string[]> {
    return (await listKeys(this.store, layout.runningPrefix())).map((k) => k.slice(k.lastIndexOf('/') + 1)).filter((id) => isId('job', id)).sort();
  }

  /**
   * Take a queued job for `worker`: a conditional write of status `running` with a lease of
   * `leaseMs` milliseconds. Returns null when the job is not queued (any more) or another worker won.
   */
  async claim(id: string, worker: { workerId: string; leaseMs: number; host?: string; pid?: number }): Promise<JobDoc | null> {
    const cur = await this.get(id);
    if (!cur) return null;
    if (cur.value.status !== 'queued') {
      await this.store.delete(layout.queued(id)).catch(() => {});
      return null;
    }
    const at = new Date();
    const lease: JobLease = {
      workerId: worker.workerId,
      host: worker.host ?? hostname(),
      pid: worker.pid ?? process.pid,
      leaseUntil: new Date(at.getTime() + worker.leaseMs).toISOString(),
      heartbeatAt: at.toISOString(),
    };
    const next: JobDoc = { ...cur.value, status: 'running', lease, startedAt: at.toISOString(), updatedAt: at.toISOString(), attempts: cur.value.attempts + 1 };
    // The running marker goes first, so a crash right after the claim still leaves a trace to recover.
    await this.store.put(layout.running(id), empty);
    try {
      await writeDoc(this.store, layout.jobDoc(id), next, { ifMatch: cur.etag });
    } catch (e) {
      if (StoreError.is(e, 'PRECONDITION_FAILED')) return null; // another worker (or a cancel) was first
      throw e;
    }
    await this.store.delete(layout.queued(id)).catch(() => {});
    return next;
  }

  /**
   * Compare-and-swap update of a job document; `mutate` returns the new document or `undefined` for no change.
   * @throws RegistryError 'NOT_FOUND', 'CONFLICT' (too many concurrent changes); whatever `mutate` throws.
   */
  async update(id: string, mutate: (doc: JobDoc) => JobDoc | undefined): Promise<JobDoc> {
    const r = await updateDoc<JobDoc>(this.store, layout.jobDoc(id), (cur) => {
      if (!cur) throw new RegistryError('NOT_FOUND', `job ${id} not found`);
      const next = mutate(cur);
      return next && { ...next, updatedAt: now() };
    });
    return r!.value;
  }

  /**
   * Renew `workerId`'s lease for `leaseMs` and, when given, record progress. Returns the current
   * document (look at `cancelRequested`).
   * @throws RegistryError 'CONFLICT' when the job is no longer running under this worker (its lease
   *   expired and it was recovered, or it was finished elsewhere): the worker must stop.
   */
  async heartbeat(id: string, workerId: string, leaseMs: number, progress?: JobProgressState): Promise<JobDoc> {
    return this.update(id, (doc) => {
      assertHeld(doc, workerId);
      const at = new Date();
      return {
        ...doc,
        lease: { ...doc.lease!, leaseUntil: new Date(at.getTime() + leaseMs).toISOString(), heartbeatAt: at.toISOString() },
        ...(progress ? { progress } : {}),
      };
    });
  }

  /**
   * End a running job held by `workerId` and drop its running marker.
   * @throws RegistryError 'CONFLICT' when this worker no longer holds the job.
   */
  async finish(id: string, workerId: string, outcome: JobOutcome): Promise<JobDoc> {
    const doc = await this.update(id, (cur) => {
      assertHeld(cur, workerId);
      const base = { ...cur, status: outcome.status, finishedAt: now(), lease: null };
      if (outcome.status === 'succeeded') {
        return { ...base, result: outcome.result, error: null, progress: cur.progress && { ...cur.progress, percent: 100, etaSeconds: 0 } };
      }
      return { ...base, error: outcome.error };
    });
    await this.store.delete(layout.running(id)).catch(() => {});
    return doc;
  }

  /**
   * Cancel a job of `tenant`: a queued job is cancelled at once; a running job gets
   * `cancelRequested` and its worker stops at its next progress event.
   * @throws RegistryError 'NOT_FOUND', 'CONFLICT' (the job already finished).
   */
  async requestCancel(tenant: string, id: string, by: Actor): Promise<JobDoc> {
    await this.getForTenant(tenant, id);
    const doc = await this.update(id, (cur) => {
      if (isTerminal(cur.status)) throw new RegistryError('CONFLICT', `job ${id} already ${cur.status}; only queued or running jobs can be cancelled`);
      if (cur.cancelRequested) return undefined;
      const request = { at: now(), by };
      if (cur.status === 'queued') {
        return { ...cur, status: 'cancelled', finishedAt: request.at, cancelRequested: request, error: { code: 'CANCELLED', message: `cancelled by ${who(by)} before it started`, name: null } };
      }
      return { ...cur, cancelRequested: request };
    });
    if (doc.status === 'cancelled') await this.store.delete(layout.queued(id)).catch(() => {});
    return doc;
  }

  /** Append `text` to the job's log (compare-and-swap), dropping the oldest lines beyond `maxLogBytes`. */
  async appendLog(id: string, text: string): Promise<void> {
    if (text === '') return;
    const key = layout.jobLog(id);
    for (let attempt = 0; ; attempt++) {
      let cur: { body: Uint8Array; etag: string } | null = null;
      try {
        cur = await this.store.get(key);
      } catch (e) {
        if (!StoreError.is(e, 'NOT_FOUND')) throw e;
      }
      let next = (cur ? Buffer.from(cur.body).toString('utf8') : '') + text;
      if (Buffer.byteLength(next) > this.maxLogBytes) {
        const marker = `[… older log lines dropped to keep the log under ${this.maxLogBytes} bytes]\n`;
        const tail = Buffer.from(next).subarray(-(this.maxLogBytes - marker.length)).toString('utf8');
        next = marker + tail.slice(tail.indexOf('\n') + 1);
      }
      try {
        await this.store.put(key, Buffer.from(next, 'utf8'), { ...(cur ? { ifMatch: cur.etag } : { ifNoneMatch: '*' }), contentType: 'text/plain; charset=utf-8' });
        return;
      } catch (e) {
        if (!StoreError.is(e, 'PRECONDITION_FAILED') || attempt >= 20) throw e;
      }
    }
  }

  /** The job's log ('' when it has none). @throws RegistryError 'NOT_FOUND' (also another tenant's job). */
  async readLog(tenant: string, id: string): Promise<string> {
    await this.getForTenant(tenant, id);
    try {
      return Buffer.from((await this.store.get(layout.jobLog(id))).body).toString('utf8');
    } catch (e) {
      if (StoreError.is(e, 'NOT_FOUND')) return '';
      throw e;
    }
  }

  /**
   * Mark jobs left `running` by a dead worker as failed (error code WORKER_LOST), and drop stale markers.
   * A worker is dead when its lease expired, or when `isDead(lease)` says so (e.g. a process on this
   * host that no longer exists). Returns the jobs it failed.
   */
  async recoverAbandoned(opts: { isDead?: (lease: JobLease) => boolean; now?: number } = {}): Promise<JobDoc[]> {
    const failed: JobDoc[] = [];
    for (const id of await this.runningIds()) {
      const cur = await this.get(id);
      if (!cur || cur.value.status !== 'running') {
        if (!cur || isTerminal(cur.value.status)) await this.store.delete(layout.running(id)).catch(() => {});
        continue;
      }
      const t = opts.now ?? Date.now();
      let done: JobDoc | null = null;
      try {
        done = await this.update(id, (doc) => {
          if (doc.status !== 'running' || !doc.lease) return undefined;
          const expired = Date.parse(doc.lease.leaseUntil) < t;
          const dead = expired || opts.isDead?.(doc.lease) === true;
          if (!dead) return undefined;
          const why = expired
            ? `its lease expired at ${doc.lease.leaseUntil} without a heartbeat`
            : `process ${doc.lease.pid} on ${doc.lease.host} no longer exists`;
          return {
            ...doc,
            status: 'failed',
            finishedAt: now(),
            lease: null,
            error: { code: 'WORKER_LOST', message: `the worker running this job (${doc.lease.workerId}) stopped: ${why}. Nothing was registered; submit the job again.`, name: null },
          };
        });
      } catch (e) {
        if (!RegistryError.is(e, 'NOT_FOUND')) throw e;
      }
      if (done && done.status === 'failed' && done.error?.code === 'WORKER_LOST' && done.lease === null) {
        await this.store.delete(layout.running(id)).catch(() => {});
        await this.appendLog(id, `[${now()}] ${done.error.message}\n`).catch(() => {});
        failed.push(done);
      }
    }
    return failed;
  }
}

function assertHeld(doc: JobDoc, workerId: string): void {
  if (doc.status !== 'running' || doc.lease?.workerId !== workerId) {
    throw new RegistryError('CONFLICT', `job ${doc.id} is no longer held by worker ${workerId} (status ${doc.status}${doc.lease ? `, held by ${doc.lease.workerId}` : ''})`);
  }
}

function who(a: Actor): string {
  return a.name ? `${a.name} (key ${a.keyId})` : `key ${a.keyId}`;
}
