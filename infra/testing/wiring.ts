/**
 * The wiring `sst.config.ts` must have, checked on an evaluation from sst-harness.ts. Each check
 * adds a readable problem instead of throwing, so a test can assert the exact list (empty for
 * the real config; exactly the injected fault for a mutated copy).
 */
import { existsSync } from 'node:fs';
import { join, parse } from 'node:path';
import * as esbuild from 'esbuild';
import { LINK } from '../../packages/config/src/index.ts';
import { INFER_BUNDLE } from '../lambda-bundle.ts';
import type { Evaluation, Recorded } from './sst-harness.ts';

/** Values the checks compare against (the deploy-time settings the evaluation used). */
export interface WiringExpectations {
  inferMemoryMb: number;
  inferThreads: number;
}

/** A property of a recorded resource as the config saw it (a placeholder string). */
const prop = (r: Recorded, name: string): string => (r.ref as Record<string, string>)[name]!;

const HANDLER_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

/**
 * Where an SST handler (`dir/file.export`) points: the file that exists, and whether it exports the
 * function. A problem string when not.
 */
export async function checkHandler(root: string, handler: string): Promise<string | null> {
  const p = parse(handler);
  const exportName = p.ext.replace(/^\./, '');
  const base = join(p.dir, p.name);
  const file = HANDLER_EXTENSIONS.map((ext) => base + ext).find((f) => existsSync(join(root, f)));
  if (!exportName) return `handler ${handler}: no export named after the file (use <file>.<export>)`;
  if (!file) return `handler ${handler}: no file ${base}.{${HANDLER_EXTENSIONS.map((e) => e.slice(1)).join(',')}}`;
  // esbuild lists a module's exports without running it (running would need AWS configuration).
  const out = await esbuild.build({ entryPoints: [join(root, file)], bundle: false, write: false, metafile: true, format: 'esm', logLevel: 'silent', outdir: 'out' });
  const exports = Object.values(out.metafile.outputs).flatMap((o) => o.exports);
  return exports.includes(exportName) ? null : `handler ${handler}: ${file} does not export '${exportName}' (exports: ${exports.join(', ') || 'none'})`;
}

/** Every problem with the wiring; [] when all is as it should be. */
export async function checkWiring(ev: Evaluation, root: string, expect: WiringExpectations): Promise<string[]> {
  const problems: string[] = [];
  const need = <T>(what: string, v: T | undefined): T | undefined => {
    if (v === undefined) problems.push(`missing: ${what}`);
    return v;
  };

  // ── The bucket: versioned, encrypted, private ──
  const store = need(`sst.aws.Bucket ${LINK.store}`, ev.find('sst.aws.Bucket', LINK.store));
  if (store) {
    if (store.args.versioning !== true) problems.push(`${LINK.store}: versioning is not enabled`);
    if (store.args.access === 'public' || store.args.public === true) problems.push(`${LINK.store}: public access is enabled`);
    const pab = store.args.transform?.publicAccessBlock ?? {};
    for (const k of ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets']) {
      if (pab[k] !== true) problems.push(`${LINK.store}: publicAccessBlock.${k} is not true`);
    }
    const sse = ev.resources.find((r) => /^aws\.s3\.BucketServerSideEncryptionConfiguration(V2)?$/.test(r.type) && r.args.bucket === prop(store, 'name'));
    const algo = sse?.args.rules?.[0]?.applyServerSideEncryptionByDefault?.sseAlgorithm;
    if (!sse || !['AES256', 'aws:kms', 'aws:kms:dsse'].includes(algo)) problems.push(`${LINK.store}: no default server-side encryption configuration`);
  }

  // ── Functions ──
  const api = need('sst.aws.Function Api', ev.find('sst.aws.Function', 'Api'));
  const infer = need('sst.aws.Function Infer', ev.find('sst.aws.Function', 'Infer'));
  for (const fn of ev.all('sst.aws.Function')) {
    const problem = await checkHandler(root, String(fn.args.handler));
    if (problem) problems.push(`${fn.name}: ${problem}`);
    if (fn.args.runtime !== 'nodejs20.x') problems.push(`${fn.name}: runtime is ${fn.args.runtime}, not nodejs20.x`);
  }
  const links = (fn: Recorded | undefined, target: Recorded | undefined) => !!fn && !!target && Array.isArray(fn.args.link) && fn.args.link.includes(target.ref);
  for (const fn of [api, infer]) {
    if (!fn) continue;
    if (store && !links(fn, store)) problems.push(`${fn.name}: does not link the bucket ${LINK.store}`);
    if (!fn.args.url) problems.push(`${fn.name}: has no function URL`);
    if (store && fn.args.environment?.MEDSLIM_STORE !== `s3://${prop(store, 'name')}`) {
      problems.push(`${fn.name}: MEDSLIM_STORE is ${JSON.stringify(fn.args.environment?.MEDSLIM_STORE)}, not the bucket`);
    }
  }
  if (infer) {
    if (infer.args.architecture !== 'x86_64') problems.push(`Infer: architecture is ${infer.args.architecture}, not x86_64 (onnxruntime-node's bundled binary)`);
    if (infer.args.memory !== `${expect.inferMemoryMb} MB`) problems.push(`Infer: memory is ${infer.args.memory}, expected ${expect.inferMemoryMb} MB`);
    if (infer.args.environment?.MEDSLIM_INFER_INTRA_OP_THREADS !== String(expect.inferThreads)) {
      problems.push(`Infer: MEDSLIM_INFER_INTRA_OP_THREADS is ${JSON.stringify(infer.args.environment?.MEDSLIM_INFER_INTRA_OP_THREADS)}, expected '${expect.inferThreads}'`);
    }
    if (infer.args.handler !== INFER_BUNDLE.handler) problems.push(`Infer: handler ${infer.args.handler} is not the one scripts/lambda-bundle-size measures (${INFER_BUNDLE.handler})`);
    const external: string[] = infer.args.nodejs?.esbuild?.external ?? [];
    for (const pkg of INFER_BUNDLE.externals) if (!external.includes(pkg)) problems.push(`Infer: ${pkg} is not external (nodejs.esbuild.external)`);
    if (typeof infer.args.hook?.postbuild !== 'function') problems.push('Infer: no hook.postbuild (onnxruntime-node would not be copied and pruned)');
  }

  // ── GPU jobs on AWS Batch ──
  const compute = need('aws.batch.ComputeEnvironment', ev.all('aws.batch.ComputeEnvironment')[0]);
  const queue = need('aws.batch.JobQueue', ev.all('aws.batch.JobQueue')[0]);
  const definition = need('aws.batch.JobDefinition', ev.all('aws.batch.JobDefinition')[0]);
  const repo = need('aws.ecr.Repository', ev.all('aws.ecr.Repository')[0]);
  if (compute) {
    const cr = compute.args.computeResources ?? {};
    if (!['EC2', 'SPOT'].includes(cr.type)) problems.push(`Batch compute environment: type ${cr.type}, not EC2 or SPOT (Fargate has no GPUs)`);
    if (cr.minVcpus !== 0) problems.push(`Batch compute environment: minVcpus ${cr.minVcpus}, not 0 (instances would run at rest)`);
    if (!(cr.instanceTypes ?? []).every((t: string) => /^(g|p)\d/.test(t))) problems.push(`Batch compute environment: instance types ${cr.instanceTypes} are not all GPU types`);
    if (!(cr.ec2Configurations ?? []).some((c: { imageType?: string }) => c.imageType === 'ECS_AL2_NVIDIA')) problems.push('Batch compute environment: not on the ECS_AL2_NVIDIA image');
  }
  if (queue && compute && !(queue.args.computeEnvironmentOrders ?? []).some((o: { computeEnvironment: string }) => o.computeEnvironment === prop(compute, 'arn'))) {
    problems.push('Batch job queue: does not use the GPU compute environment');
  }
  if (definition) {
    let props: { image?: string; resourceRequirements?: { type: string; value: string }[]; jobRoleArn?: string; command?: string[] } = {};
    try {
      props = JSON.parse(definition.args.containerProperties);
    } catch {
      problems.push('Batch job definition: containerProperties is not JSON');
    }
    if (!(props.resourceRequirements ?? []).some((r) => r.type === 'GPU' && r.value === '1')) problems.push('Batch job definition: no resourceRequirements GPU 1');
    if (repo && !String(props.image).startsWith(`${prop(repo, 'repositoryUrl')}:`)) problems.push(`Batch job definition: image ${props.image} is not from the worker repository`);
    if (!props.jobRoleArn) problems.push('Batch job definition: no jobRoleArn (the container could not reach the bucket)');
    if (!(props.command ?? []).includes('worker')) problems.push(`Batch job definition: command ${JSON.stringify(props.command)} does not run the worker`);
  }

  // ── The API submits to Batch through the GpuJobs link ──
  const gpuJobs = need(`sst.Linkable ${LINK.gpuJobs}`, ev.find('sst.Linkable', LINK.gpuJobs));
  if (gpuJobs && queue && definition) {
    const p = gpuJobs.args.properties ?? {};
    if (p.jobQueue !== prop(queue, 'arn') || p.jobDefinition !== prop(definition, 'arn')) {
      problems.push(`${LINK.gpuJobs}: properties do not name the job queue and definition`);
    }
    const actions = (gpuJobs.args.include ?? []).flatMap((i: { actions?: string[] }) => i.actions ?? []);
    if (!actions.includes('batch:SubmitJob')) problems.push(`${LINK.gpuJobs}: does not grant batch:SubmitJob`);
  }
  if (api && gpuJobs && !links(api, gpuJobs)) problems.push(`Api: does not link ${LINK.gpuJobs} (jobs could not be submitted to Batch)`);
  const adminKey = ev.find('sst.Secret', LINK.adminKey);
  if (api && !links(api, adminKey)) problems.push(`Api: does not link the secret ${LINK.adminKey}`);

  // ── Console and outputs ──
  const site = need('sst.aws.StaticSite Console', ev.find('sst.aws.StaticSite', 'Console'));
  if (site) {
    if (site.args.path !== 'web') problems.push(`Console: built from ${site.args.path}, not web`);
    if (site.args.build?.output !== 'dist') problems.push(`Console: build output ${site.args.build?.output}, not dist`);
  }
  const url = (r: Recorded | undefined) => r && prop(r, 'url');
  for (const [key, r] of [['api', api], ['infer', infer], ['console', site]] as const) {
    if (r && ev.outputs[key] !== url(r)) problems.push(`outputs.${key} is ${JSON.stringify(ev.outputs[key])}, not ${r.name}'s URL`);
  }
  return problems;
}
