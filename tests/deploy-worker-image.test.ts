/**
 * functions/worker/Dockerfile, the AWS Batch GPU job image. No Docker engine here, so the file
 * itself is checked: pinned CUDA 11.2 + cuDNN 8 base, Node 20 pinned with its checksum, optional
 * dependencies (tfjs-node-gpu) installed, and an entry point that runs what AwsBatchRunner submits.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildSubmitJobInput } from '@medslim/jobs/runners';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOCKERFILE = readFileSync(join(ROOT, 'functions/worker/Dockerfile'), 'utf8');
const IGNORE = readFileSync(join(ROOT, 'functions/worker/Dockerfile.dockerignore'), 'utf8');
/** Instructions with continuation lines joined and comments dropped. */
const INSTRUCTIONS = DOCKERFILE.replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const lines = (keyword: string) => INSTRUCTIONS.filter((l) => l.toUpperCase().startsWith(`${keyword} `));

describe('functions/worker/Dockerfile', () => {
  it('builds every stage on the pinned CUDA 11.2 + cuDNN 8 runtime image that tfjs-node-gpu 4.x needs', () => {
    const froms = lines('FROM');
    expect(froms.length).toBeGreaterThanOrEqual(1);
    for (const f of froms) expect(f).toMatch(/^FROM nvidia\/cuda:11\.2\.2-cudnn8-runtime-ubuntu20\.04( AS \w+)?$/);
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    expect(lock.packages['node_modules/@tensorflow/tfjs-node-gpu']?.version).toMatch(/^4\./);
  });

  it('installs Node 20 from a pinned official tarball and checks its SHA-256', () => {
    const version = /^ARG NODE_VERSION=(\d+)\.(\d+)\.(\d+)$/m.exec(DOCKERFILE);
    expect(version?.[1]).toBe('20');
    expect(DOCKERFILE).toMatch(/^ARG NODE_SHA256=[0-9a-f]{64}$/m);
    const install = lines('RUN').find((l) => l.includes('nodejs.org/dist'))!;
    expect(install).toContain('https://nodejs.org/dist/v${NODE_VERSION}/node-v${NODE_VERSION}-linux-x64.tar.xz');
    expect(install).toMatch(/echo "\$\{NODE_SHA256\}  \/tmp\/node\.tar\.xz" \| sha256sum -c -/);
    expect(install.indexOf('sha256sum -c')).toBeLessThan(install.indexOf('tar -xJf'));
  });

  it('runs npm ci with optional dependencies (tfjs-node-gpu) and without onnxruntime’s CUDA 12 download', () => {
    const ci = lines('RUN').find((l) => l.includes('npm ci'))!;
    expect(ci).toBeDefined();
    expect(ci).not.toMatch(/--omit=optional|--no-optional/);
    expect(ci).toContain('--include=optional');
    expect(ci).toContain('--ignore-scripts=false'); // .npmrc turns install scripts off; tfjs-node-gpu needs its own
    expect(ci).toContain('tfjs-node-gpu');
    expect(lines('ENV')).toContain('ENV ONNXRUNTIME_NODE_INSTALL=skip');
    // It ships JavaScript: npm ci runs the build (the root prepare script) before the dev dependencies go.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepare).toMatch(/scripts\/build\.ts/);
    expect(ci.slice(ci.indexOf('npm ci'), ci.indexOf('&&', ci.indexOf('npm ci')))).not.toContain('--omit=dev'); // esbuild is a dev dependency
    expect(ci.indexOf('test -f packages/cli/dist/medslim.mjs')).toBeGreaterThan(ci.indexOf('npm ci'));
    expect(ci.indexOf('npm prune --omit=dev')).toBeGreaterThan(ci.indexOf('test -f packages/cli/dist/medslim.mjs'));
    expect(IGNORE).toMatch(/^\*\*\/node_modules$/m);
  });

  it('puts medslim on the PATH and runs the worker, so the command AwsBatchRunner submits works', () => {
    expect(lines('RUN').some((l) => l.includes('ln -s /app/packages/cli/bin/medslim.js /usr/local/bin/medslim'))).toBe(true);
    expect(lines('CMD')).toEqual(['CMD ["medslim", "worker", "--once"]']);
    expect(lines('ENTRYPOINT')).toEqual([]); // none of its own: the command Batch sends replaces CMD
    const job = { id: 'job_abc', type: 'compress', tenant: 't' } as Parameters<typeof buildSubmitJobInput>[0];
    const submitted = buildSubmitJobInput(job, { jobQueue: 'q', jobDefinition: 'd', storeUrl: 's3://b' }).containerOverrides.command;
    expect(submitted.slice(0, 2)).toEqual(['medslim', 'worker']);
    accessSync(join(ROOT, 'packages/cli/bin/medslim.js'), constants.X_OK);
  });

  it('has a worker command that takes --job and --once (what the image runs)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'packages/cli/bin/medslim.js'), 'worker', '--help'], { cwd: ROOT });
    expect(stdout).toMatch(/--job <id>/);
    expect(stdout).toMatch(/--once/);
  });
});
