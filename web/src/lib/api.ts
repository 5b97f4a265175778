/**
 * The console's typed client of the medslim API. Every API call names its operation (`'GET /v1/models/{name}'`)
 * in a table generated from the API's OpenAPI document (operations.ts), which gives its path, parameters,
 * body and response type (the @medslim/contracts schemas). Every call sends the user's bearer key (kept in
 * session storage: gone when the tab closes); every non-2xx answer becomes one `ApiError` with the
 * API's `{error: {code, message}}`. Job events are read with `fetch` streaming, because
 * `EventSource` cannot send an `Authorization` header.
 */
import { operationUrl, type OperationArgs, type OperationKey, type OperationResponse } from './operations.ts';
import { SseParser } from './sse.ts';
import type { SubmitJob } from '@medslim/contracts';
import type { Alias, AuditEntry, Job, JobEvent, Model, ModelDetail, ModelMetrics, Target, Upload, Version, VersionDetail } from './types.ts';

const trimSlash = (u: string | undefined) => (u ?? '').trim().replace(/\/+$/, '');
/** The API's origin this console was built for (VITE_MEDSLIM_API_URL; '' = the console's own origin). */
export const BUILT_API_URL = trimSlash(import.meta.env.VITE_MEDSLIM_API_URL);
/** The inference function's origin (VITE_MEDSLIM_INFER_URL; '' = the API's). */
export const BUILT_INFER_URL = trimSlash(import.meta.env.VITE_MEDSLIM_INFER_URL);

const KEY_ITEM = 'medslim.key';
const BASE_ITEM = 'medslim.api';

/** An error answer of the API (or a network failure: status 0, code 'NETWORK'). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The signed-in session: the key and the API origin ('' = the built-in one, else the console's own origin). */
export interface Session {
  key: string;
  base: string;
}

export function loadSession(): Session | null {
  const key = sessionStorage.getItem(KEY_ITEM);
  return key ? { key, base: sessionStorage.getItem(BASE_ITEM) ?? '' } : null;
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(KEY_ITEM, s.key);
  sessionStorage.setItem(BASE_ITEM, s.base.replace(/\/+$/, ''));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY_ITEM);
  sessionStorage.removeItem(BASE_ITEM);
}

/** `"etag"` as an HTTP entity tag for If-Match. */
const quoteEtag = (etag: string) => (etag.startsWith('"') || etag.startsWith('W/') ? etag : `"${etag}"`);
const seg = encodeURIComponent;

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.code) return new ApiError(res.status, body.error.code, body.error.message ?? res.statusText);
  } catch {
    // not JSON: fall through
  }
  return new ApiError(res.status, `HTTP_${res.status}`, text.trim().slice(0, 300) || res.statusText || `HTTP ${res.status}`);
}

interface RequestOptions {
  method?: string;
  json?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** A client bound to one session. */
export class Api {
  constructor(readonly session: Session) {}

  /** Absolute or origin-relative URL of an API path ('/v1/…'). */
  url(path: string): string {
    return `${this.session.base || BUILT_API_URL}${path}`;
  }

  /** URL of an inference path (predict, metrics): the inference function's origin when it has its own. */
  inferUrl(path: string): string {
    return BUILT_INFER_URL && !this.session.base ? `${BUILT_INFER_URL}${path}` : this.url(path);
  }

  private async fetch(path: string, opts: RequestOptions & { infer?: boolean } = {}): Promise<Response> {
    const url = opts.infer ? this.inferUrl(path) : this.url(path);
    const headers: Record<string, string> = { authorization: `Bearer ${this.session.key}`, ...opts.headers };
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, {
        method: opts.method ?? 'GET',
        headers,
        body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
        signal: opts.signal,
      });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new ApiError(0, 'NETWORK', `cannot reach ${url}: ${(e as Error).message}`);
    }
    if (!res.ok) throw await errorOf(res);
    return res;
  }

  private async json<T>(path: string, opts: RequestOptions & { infer?: boolean } = {}): Promise<T> {
    return (await this.fetch(path, opts)).json() as Promise<T>;
  }

  /** Call API operation `key` (the generated table says its path, parameters and body); the raw response. */
  private call<K extends OperationKey>(key: K, args: OperationArgs<K>): Promise<Response> {
    const { method, url } = operationUrl(key, args.path as Record<string, string | number> | undefined, args.query as Record<string, string | number | undefined> | undefined);
    return this.fetch(url, { method, json: args.body, headers: args.headers, signal: args.signal });
  }

  /** Call API operation `key` and read its JSON answer, typed by the generated table. */
  private async op<K extends OperationKey>(key: K, args: OperationArgs<K>): Promise<OperationResponse<K>> {
    return (await this.call(key, args)).json() as Promise<OperationResponse<K>>;
  }

  // Models and versions
  listModels(signal?: AbortSignal): Promise<Model[]> {
    return this.op('GET /v1/models', { signal }).then((b) => b.models);
  }
  createModel(name: string, description?: string): Promise<Model> {
    return this.op('POST /v1/models', { body: description ? { name, description } : { name } });
  }
  getModel(name: string, signal?: AbortSignal): Promise<ModelDetail> {
    return this.op('GET /v1/models/{name}', { path: { name }, signal });
  }
  listVersions(name: string, signal?: AbortSignal): Promise<Version[]> {
    return this.op('GET /v1/models/{name}/versions', { path: { name }, signal }).then((b) => b.versions);
  }
  getVersion(name: string, v: number, signal?: AbortSignal): Promise<VersionDetail> {
    return this.op('GET /v1/models/{name}/versions/{v}', { path: { name, v }, signal });
  }
  /** Fetch an artifact with the key and hand it to the browser as a download. */
  async downloadArtifact(name: string, v: number, file: string): Promise<void> {
    const res = await this.call('GET /v1/models/{name}/versions/{v}/artifacts/{file}', { path: { name, v, file } });
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = file;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  /**
   * Serving metrics of a model (the inference app's GET /v1/models/{name}/metrics), or null when
   * this server does not serve inference (the route answers 404; later calls then answer null at once).
   */
  async metrics(name: string, signal?: AbortSignal): Promise<ModelMetrics | null> {
    if (this.noMetrics) return null;
    try {
      return await this.json<ModelMetrics>(`/v1/models/${seg(name)}/metrics`, { signal, infer: true });
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        // Asked once per page load: a server without inference will not grow the route meanwhile.
        this.noMetrics = true;
        return null;
      }
      throw e;
    }
  }
  /** Set by the first 404 of the metrics route. */
  private noMetrics = false;

  // Aliases
  listAliases(name: string, signal?: AbortSignal): Promise<Alias[]> {
    return this.op('GET /v1/models/{name}/aliases', { path: { name }, signal }).then((b) => b.aliases);
  }
  getAlias(name: string, alias: string, signal?: AbortSignal): Promise<Alias> {
    return this.op('GET /v1/models/{name}/aliases/{alias}', { path: { name, alias }, signal });
  }
  /** Create an alias (etag null) or change it (etag = the one last read: 412 when stale). */
  setAlias(name: string, alias: string, body: { targets: Target[]; reason?: string; force?: boolean }, etag: string | null): Promise<Alias> {
    return this.op('PUT /v1/models/{name}/aliases/{alias}', { path: { name, alias }, body, headers: etag ? { 'if-match': quoteEtag(etag) } : {} });
  }
  rollbackAlias(name: string, alias: string, reason: string | undefined, etag: string): Promise<Alias> {
    return this.op('POST /v1/models/{name}/aliases/{alias}/rollback', { path: { name, alias }, body: reason ? { reason } : {}, headers: { 'if-match': quoteEtag(etag) } });
  }
  audit(name: string, signal?: AbortSignal): Promise<AuditEntry[]> {
    return this.op('GET /v1/models/{name}/audit', { path: { name }, query: { limit: 200 }, signal }).then((b) => b.entries);
  }

  // Uploads
  listUploads(signal?: AbortSignal): Promise<Upload[]> {
    return this.op('GET /v1/uploads', { signal }).then((b) => b.uploads);
  }
  /**
   * Upload a file as multipart field `file` — or several files (a model and its external data files) as field
   * `files` repeated, which the API stores as one self-contained model. XMLHttpRequest, not fetch: it reports
   * upload progress.
   * @param onProgress fraction sent, 0…1
   */
  upload(files: File | File[], onProgress?: (fraction: number) => void): Promise<Upload> {
    const list = Array.isArray(files) ? files : [files];
    const file = list[0];
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      const { method, url } = operationUrl('POST /v1/uploads');
      xhr.open(method, this.url(url));
      xhr.setRequestHeader('authorization', `Bearer ${this.session.key}`);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) onProgress?.(e.loaded / e.total);
      };
      xhr.onerror = () => reject(new ApiError(0, 'NETWORK', `upload of ${file.name} failed: the API at ${this.url('/v1/uploads')} could not be reached`));
      xhr.onload = () => {
        const res = new Response(xhr.responseText, { status: xhr.status, headers: { 'content-type': xhr.getResponseHeader('content-type') ?? '' } });
        if (xhr.status >= 200 && xhr.status < 300) resolve(res.json() as Promise<Upload>);
        else errorOf(res).then(reject, reject);
      };
      const form = new FormData();
      for (const f of list) form.append(list.length > 1 ? 'files' : 'file', f, f.name);
      xhr.send(form);
    });
  }

  // Jobs
  listJobs(signal?: AbortSignal): Promise<Job[]> {
    return this.op('GET /v1/jobs', { query: { limit: 50 }, signal }).then((b) => b.jobs);
  }
  getJob(id: string, signal?: AbortSignal): Promise<Job> {
    return this.op('GET /v1/jobs/{id}', { path: { id }, signal });
  }
  submitJob(body: SubmitJob): Promise<Job> {
    return this.op('POST /v1/jobs', { body });
  }
  cancelJob(id: string): Promise<Job> {
    return this.op('POST /v1/jobs/{id}/cancel', { path: { id } });
  }
  async jobLogs(id: string, signal?: AbortSignal): Promise<string> {
    return (await this.call('GET /v1/jobs/{id}/logs', { path: { id }, signal })).text();
  }

  /**
   * Follow a job's Server-Sent Events until it ends (done, failed, cancelled) or `signal` aborts.
   * A dropped stream is reopened after a second; each reopened stream starts with the current state.
   * @returns the last event (terminal unless aborted)
   */
  async followJob(id: string, onEvent: (name: string, e: JobEvent) => void, signal: AbortSignal): Promise<JobEvent | null> {
    let last: JobEvent | null = null;
    while (!signal.aborted) {
      try {
        const res = await this.call('GET /v1/jobs/{id}/events', { path: { id }, headers: { accept: 'text/event-stream' }, signal });
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        const parser = new SseParser();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const m of parser.push(value)) {
            if (m.event === 'error') throw new ApiError(503, 'UNAVAILABLE', m.data);
            last = JSON.parse(m.data) as JobEvent;
            onEvent(m.event, last);
            if (m.event === 'done' || m.event === 'failed' || m.event === 'cancelled') {
              await reader.cancel().catch(() => {});
              return last;
            }
          }
        }
      } catch (e) {
        if (signal.aborted || (e as Error).name === 'AbortError') break;
        if (e instanceof ApiError && e.status >= 400 && e.status < 500) throw e;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    return last;
  }
}
