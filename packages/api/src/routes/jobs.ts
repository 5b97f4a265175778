/**
 * Jobs: POST /jobs, GET /jobs, GET /jobs/{id}, GET /jobs/{id}/events (Server-Sent Events),
 * GET /jobs/{id}/logs, POST /jobs/{id}/cancel.
 */
import { z } from '@hono/zod-openapi';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { JobDoc } from '@medslim/registry';
import { isTerminal } from '@medslim/registry';
import { ApiError } from '../errors.ts';
import { actorOf, principalOf } from '../middleware/auth/index.ts';
import { describeIssues, JOB_STATUSES, JOB_TYPES, JobSchema, SubmitJobSchema, type JobTypeSpec } from '@medslim/contracts';
import type { ExplicitContract } from '@medslim/contracts';
import { checkTeacher } from '../uploads/teacher-check.ts';
import type { RouteModule } from './common.ts';
import { json, jsonBody, routesFor } from './define.ts';

const IdParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'job_mcx3f9a2b4e1c0d9f27' }) });
/** A comment line keeps idle SSE connections open through proxies, every this many ms. */
const KEEPALIVE_MS = 15_000;

/** The client view of a job (the lease is internal). */
const view = (j: JobDoc) => {
  const { lease: _lease, ...rest } = j;
  return rest;
};

/** What each SSE event carries: small enough to watch with `curl -N` (GET /jobs/{id} has the rest). */
const eventView = (j: JobDoc) => ({ id: j.id, status: j.status, progress: j.progress, error: j.error, result: j.result });

const route = routesFor('jobs');

const submit = route('post', '/jobs', {
  summary: 'Submit a job (quantize, compress) on an uploaded teacher and dataset; the result becomes a new version of `model`',
  description:
    'The teacher is read before the job is queued: a model no dataset could make readable (an input or output medslim cannot feed or read, integer class scores, ' +
    'several possible class-score outputs without `options.contract.output`, a contract whose mean/std do not fit the channels, weights in external data files that were not uploaded) ' +
    'is refused with 400 and the refusal\'s code (MODEL_INPUT, MODEL_OUTPUT, UNSUPPORTED_TYPE, AMBIGUOUS_LAYOUT, AMBIGUOUS_OUTPUT, BAD_CONTRACT, BAD_METADATA, CLASS_MISMATCH, EXTERNAL_DATA, NOT_ONNX). ' +
    'What needs the data — the validation evidence for a contract (NO_CONTRACT), the dataset\'s classes and image size — is decided by the job, which then fails with that code.',
  role: 'deployer',
  request: { body: jsonBody(SubmitJobSchema) },
  responses: { 202: json('Queued', JobSchema) },
  errors: [400, 404, 409, 415],
});
const list = route('get', '/jobs', {
  summary: "The tenant's jobs, newest first",
  request: { query: z.object({ status: z.enum(JOB_STATUSES).optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }) },
  responses: { 200: json('Jobs', z.object({ jobs: z.array(JobSchema) })) },
  errors: [400],
});
const get = route('get', '/jobs/{id}', {
  summary: 'One job: status, progress (stage, percent, ETA), error, result',
  request: { params: IdParam },
  responses: { 200: json('The job', JobSchema) },
});
const events = route('get', '/jobs/{id}/events', {
  summary: 'Server-Sent Events: `progress` while the job changes, then one of `done`, `failed`, `cancelled` (or `error` if the job cannot be read)',
  description: 'Each event’s data is `{id, status, progress: {stage, step, done, total, percent, etaSeconds}, error, result}`.',
  request: { params: IdParam },
  responses: { 200: { description: 'text/event-stream' } },
  errors: [429],
});
const logs = route('get', '/jobs/{id}/logs', {
  summary: 'The job’s log (plain text)',
  request: { params: IdParam },
  responses: { 200: { description: 'Log lines' } },
});
const cancel = route('post', '/jobs/{id}/cancel', {
  summary: 'Cancel a queued or running job (a running one stops at its next progress event)',
  role: 'deployer',
  request: { params: IdParam },
  responses: { 202: json('Cancelled or cancelling', JobSchema) },
  errors: [409],
});

export const jobRoutes: RouteModule = (app, { registry, runner, ssePollMs, maxStreamsPerKey, log }) => {
  // Open event streams per API key (each polls the store): a bound, so one key cannot hold hundreds.
  const open = new Map<string, number>();
  app.openapi(submit, async (c) => {
    const p = principalOf(c);
    const body = c.req.valid('json');
    if (!Object.hasOwn(JOB_TYPES, body.type)) {
      throw new ApiError(400, 'BAD_REQUEST', `unsupported job type '${body.type}'; this server runs: ${Object.keys(JOB_TYPES).join(', ')}`);
    }
    const spec: JobTypeSpec = JOB_TYPES[body.type as keyof typeof JOB_TYPES];
    const presetName = body.preset ?? null;
    if (presetName !== null && !Object.hasOwn(spec.presets, presetName)) {
      throw new ApiError(400, 'BAD_REQUEST', `unknown preset '${presetName}' for ${body.type} jobs; presets: ${Object.keys(spec.presets).join(', ')}`);
    }
    const merged = { ...spec.presets[presetName ?? 'default'], ...(body.options ?? {}) };
    const parsed = spec.options.safeParse(merged);
    if (!parsed.success) throw new ApiError(400, 'BAD_REQUEST', `invalid request body: ${describeIssues(parsed.error, 'options')}`);
    // A teacher whose interface no dataset could make readable is refused now, not by a failed job later.
    await checkTeacher(registry, p.tenant, body.teacher, (parsed.data as { contract?: ExplicitContract }).contract);
    // The job keeps the options as merged (not with the schema's defaults filled in): the worker resolves defaults.
    const job = await registry.submitJob(
      p.tenant,
      { type: body.type, model: body.model, teacher: body.teacher, dataset: body.dataset, preset: presetName, options: merged },
      actorOf(p),
    );
    try {
      await runner.dispatch(job);
    } catch (e) {
      // The job stays queued for any polling worker; say so in its log rather than failing the request.
      const msg = `dispatch to ${runner.name} failed: ${(e as Error).message}; the job stays queued`;
      log(`job ${job.id}: ${msg}`);
      await registry.jobs.appendLog(job.id, `[${new Date().toISOString()}] ${msg}\n`).catch(() => {});
    }
    c.header('Location', `/v1/jobs/${job.id}`);
    return c.json(view(job), 202);
  });

  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const jobs = await registry.jobs.listForTenant(principalOf(c).tenant, { status: q.status, limit: q.limit ?? 100 });
    return c.json({ jobs: jobs.map(view) }, 200);
  });

  app.openapi(get, async (c) => c.json(view(await registry.jobs.getForTenant(principalOf(c).tenant, c.req.valid('param').id)), 200));

  app.openapi(events, async (c) => {
    const { id } = c.req.valid('param');
    const who = principalOf(c);
    await registry.jobs.getForTenant(who.tenant, id); // 404 before the stream starts
    const held = open.get(who.keyId) ?? 0;
    if (held >= maxStreamsPerKey) {
      throw new ApiError(429, 'TOO_MANY_STREAMS', `key ${who.keyId} already has ${held} open event streams, the most one key may hold; close one, or poll GET /v1/jobs/{id}`);
    }
    open.set(who.keyId, held + 1);
    const release = () => {
      const n = (open.get(who.keyId) ?? 1) - 1;
      if (n > 0) open.set(who.keyId, n);
      else open.delete(who.keyId);
    };
    return streamSSE(c, async (stream) => {
      try {
        await follow(stream, id);
      } finally {
        release();
      }
    });
  });

  const follow = async (stream: SSEStreamingApi, id: string): Promise<void> => {
    {
      let aborted = false;
      stream.onAbort(() => {
        aborted = true;
      });
      let last = '';
      let seq = 0;
      let lastWrite = Date.now();
      let misses = 0;
      while (!aborted) {
        // A read that fails (a store hiccup) is retried; the stream gives up after ~10 s of failures.
        const doc = await registry.jobs.get(id).then((d) => d?.value ?? null, () => null);
        if (!doc) {
          if (++misses * ssePollMs > 10_000) {
            await stream.writeSSE({ event: 'error', data: JSON.stringify({ error: { code: 'UNAVAILABLE', message: `job ${id} could not be read; reconnect to resume` } }) });
            break;
          }
          await stream.sleep(ssePollMs);
          continue;
        }
        misses = 0;
        const data = JSON.stringify(eventView(doc));
        const state = JSON.stringify([doc.status, doc.progress, doc.cancelRequested, doc.error]);
        if (isTerminal(doc.status)) {
          await stream.writeSSE({ event: doc.status === 'succeeded' ? 'done' : doc.status, id: String(++seq), data });
          break;
        }
        if (state !== last) {
          last = state;
          await stream.writeSSE({ event: 'progress', id: String(++seq), data });
          lastWrite = Date.now();
        } else if (Date.now() - lastWrite >= KEEPALIVE_MS) {
          await stream.write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
        await stream.sleep(ssePollMs);
      }
    }
  };

  app.openapi(logs, async (c) => {
    const text = await registry.jobs.readLog(principalOf(c).tenant, c.req.valid('param').id);
    return c.text(text, 200);
  });

  app.openapi(cancel, async (c) => {
    const p = principalOf(c);
    const job = await registry.jobs.requestCancel(p.tenant, c.req.valid('param').id, actorOf(p));
    if (job.status === 'running') await runner.cancel?.(job).catch(() => {});
    return c.json(view(job), 202);
  });
};
