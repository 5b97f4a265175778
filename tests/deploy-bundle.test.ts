/**
 * The Lambda bundles: scripts/lambda-bundle-size builds them as `sst deploy` does (same esbuild
 * options, the same postbuild from infra/lambda-bundle.ts). The inference bundle must fit Lambda's
 * 250 MB unzipped limit with only linux/x64 binaries left — and those must still load; the API bundle
 * is pure JavaScript and must answer requests from the bundle alone. Neither may carry tfjs, the
 * distiller, the pipeline or the job worker.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExternals, LAMBDA_UNZIPPED_LIMIT_BYTES, LAMBDA_X64, listFiles, pruneForLambda } from '../infra/lambda-bundle.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPT = join(ROOT, 'scripts/lambda-bundle-size');
const run = promisify(execFile);

describe('scripts/lambda-bundle-size', () => {
  const work = mkdtempSync(join(tmpdir(), 'medslim-bundle-test-'));
  const out = join(work, 'bundle');
  let stdout = '';
  let files: string[] = [];

  beforeAll(async () => {
    ({ stdout } = await run(SCRIPT, ['--out', out], { cwd: ROOT, maxBuffer: 8 * 1024 * 1024 }));
    files = listFiles(out).map((f) => relative(out, f.path));
  }, 180_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('prints the unzipped size within the 250 MB limit, with a breakdown', () => {
    const verdict = stdout.trim().split('\n').at(-1)!;
    const m = /^inference bundle: (\d+\.\d) MB unzipped \(limit 250 MB\): ok$/.exec(verdict);
    expect(m, verdict).not.toBeNull();
    const mb = Number(m![1]);
    expect(mb).toBeGreaterThan(40); // onnxruntime's linux/x64 library alone is ~44 MB: it really is in there
    expect(mb * 1024 * 1024).toBeLessThanOrEqual(LAMBDA_UNZIPPED_LIMIT_BYTES);
    expect(stdout).toMatch(/^ {2}code +\d+\.\d MB {2}lambda\.mjs$/m);
    expect(stdout).toMatch(/^ {2}onnxruntime-node +\d+\.\d MB {2}\d+ packages: onnxruntime-node@\d+\.\d+\.\d+,/m);
    expect(stdout).toMatch(/^ {2}sharp +\d+\.\d MB {2}\d+ packages: sharp@\d+\.\d+\.\d+,.*@img\/sharp-linux-x64@/m);
    expect(stdout).toMatch(/^ {2}pruned \(not sent\) +\d+\.\d MB {2}.*darwin\/arm64 binaries/m);
    expect(stdout).toMatch(/^ {2}tfjs, distiller, pipeline, worker: none bundled$/m);
    expect(stdout).toMatch(/^ {2}bundled packages +\d+ {2}.*\bhono\b/m);
    expect(stdout).not.toMatch(/@tensorflow\//);
  });

  it('measures what it leaves on disk (sum of file sizes)', () => {
    const bytes = listFiles(out).reduce((s, f) => s + f.bytes, 0);
    const reported = Number(/inference bundle: (\d+\.\d) MB/.exec(stdout)![1]);
    expect(Math.abs(bytes / 1024 / 1024 - reported)).toBeLessThan(0.06);
  });

  it('leaves no darwin, win32, linux/arm64 or GPU-provider binaries, and keeps linux/x64', () => {
    const ort = files.filter((f) => f.startsWith('node_modules/onnxruntime-node/bin/'));
    expect(ort.filter((f) => /\/(darwin|win32)\/|\/linux\/arm64\/|libonnxruntime_providers_/.test(f))).toEqual([]);
    expect(ort.sort()).toEqual(['node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1', 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node']);
    expect(files.filter((f) => /^node_modules\/@img\/sharp-(?!linux-x64|libvips-linux-x64)/.test(f))).toEqual([]);
    expect(files).toContain('lambda.mjs');
    expect(files.some((f) => f.startsWith('node_modules/@img/sharp-libvips-linux-x64/lib/'))).toBe(true);
  });

  it('still loads: onnxruntime-node runs a session and sharp encodes an image from the pruned node_modules', async () => {
    const probe = join(work, 'probe');
    mkdirSync(probe);
    // A module inside the bundle resolves packages from the bundle's node_modules only.
    writeFileSync(
      join(out, 'probe.mjs'),
      [
        "import ort from 'onnxruntime-node';",
        "import sharp from 'sharp';",
        `const s = await ort.InferenceSession.create(${JSON.stringify(join(ROOT, 'examples/pneumoniamnist/pneumoniamnist-resnet18.onnx'))});`,
        "const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } }).png().toBuffer();",
        "console.log(JSON.stringify({ inputs: s.inputNames, png: png.length, ort: import.meta.resolve('onnxruntime-node') }));",
      ].join('\n'),
    );
    const { stdout: probeOut } = await run(process.execPath, [join(out, 'probe.mjs')], { cwd: probe });
    const r = JSON.parse(probeOut) as { inputs: string[]; png: number; ort: string };
    expect(r.inputs.length).toBe(1);
    expect(r.png).toBeGreaterThan(0);
    expect(fileURLToPath(r.ort).startsWith(join(out, 'node_modules'))).toBe(true);
    rmSync(join(out, 'probe.mjs'));
  });

  it('exits 1 and says TOO LARGE above the limit', async () => {
    const err = await run(SCRIPT, ['--limit-mb', '50'], { cwd: ROOT }).then(
      () => null,
      (e: { code: number; stdout: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stdout).toMatch(/inference bundle: \d+\.\d MB unzipped \(limit 50 MB\): TOO LARGE\n$/);
  });
});

describe('pruneForLambda (the postbuild sst.config.ts runs)', () => {
  it('deletes other platforms and the CUDA/TensorRT providers a CUDA download would have added', () => {
    const dir = mkdtempSync(join(tmpdir(), 'medslim-prune-'));
    try {
      const bin = join(dir, 'node_modules/onnxruntime-node/bin/napi-v6');
      const put = (rel: string, bytes: number) => {
        mkdirSync(dirname(join(bin, rel)), { recursive: true });
        writeFileSync(join(bin, rel), Buffer.alloc(bytes));
      };
      put('linux/x64/libonnxruntime.so.1', 100);
      writeFileSync(join(dir, 'node_modules/onnxruntime-node/package.json'), '{"name":"onnxruntime-node"}');
      put('linux/x64/onnxruntime_binding.node', 10);
      put('linux/x64/libonnxruntime_providers_cuda.so', 1000);
      put('linux/x64/libonnxruntime_providers_tensorrt.so', 500);
      put('linux/x64/libonnxruntime_providers_shared.so', 5);
      put('linux/arm64/libonnxruntime.so.1', 90);
      put('darwin/arm64/libonnxruntime.1.dylib', 80);
      put('win32/x64/onnxruntime.dll', 70);
      const removed = pruneForLambda(dir);
      expect(removed.map((f) => [relative(bin, join(dir, f.path)), f.reason]).sort()).toEqual([
        ['darwin/arm64/libonnxruntime.1.dylib', 'darwin/arm64 binaries'],
        ['linux/arm64/libonnxruntime.so.1', 'linux/arm64 binaries'],
        ['linux/x64/libonnxruntime_providers_cuda.so', 'CUDA execution provider'],
        ['linux/x64/libonnxruntime_providers_shared.so', 'CUDA/TensorRT provider bridge'],
        ['linux/x64/libonnxruntime_providers_tensorrt.so', 'TENSORRT execution provider'],
        ['win32/x64/onnxruntime.dll', 'win32/x64 binaries'],
      ]);
      expect(listFiles(bin).map((f) => relative(bin, f.path)).sort()).toEqual(['linux/x64/libonnxruntime.so.1', 'linux/x64/onnxruntime_binding.node']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to leave onnxruntime-node without a linux/x64 binding', () => {
    const dir = mkdtempSync(join(tmpdir(), 'medslim-prune-'));
    try {
      const pkg = join(dir, 'node_modules/onnxruntime-node');
      mkdirSync(join(pkg, 'bin/napi-v6/darwin/arm64'), { recursive: true });
      writeFileSync(join(pkg, 'package.json'), '{}');
      writeFileSync(join(pkg, 'bin/napi-v6/darwin/arm64/onnxruntime_binding.node'), 'x');
      expect(() => pruneForLambda(dir)).toThrow(/no linux\/x64 binding left/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('copyExternals (node_modules for the bundle, from the lockfile)', () => {
  it('takes only the linux/x64 glibc optional packages, and says how to get them when they are not installed', () => {
    const root = mkdtempSync(join(tmpdir(), 'medslim-copy-'));
    try {
      const pkg = (path: string, json: object) => {
        mkdirSync(join(root, path), { recursive: true });
        writeFileSync(join(root, path, 'package.json'), JSON.stringify(json));
      };
      const lock = {
        lockfileVersion: 3,
        packages: {
          '': { name: 'x' },
          'node_modules/sharp': { version: '0.34.5', dependencies: { 'detect-libc': '^2' }, optionalDependencies: { '@img/sharp-linux-x64': '0.34.5', '@img/sharp-darwin-arm64': '0.34.5', '@img/sharp-linuxmusl-x64': '0.34.5' } },
          'node_modules/detect-libc': { version: '2.1.2' },
          'node_modules/@img/sharp-linux-x64': { version: '0.34.5', optional: true, os: ['linux'], cpu: ['x64'], libc: ['glibc'] },
          'node_modules/@img/sharp-darwin-arm64': { version: '0.34.5', optional: true, os: ['darwin'], cpu: ['arm64'] },
          'node_modules/@img/sharp-linuxmusl-x64': { version: '0.34.5', optional: true, os: ['linux'], cpu: ['x64'], libc: ['musl'] },
        },
      };
      writeFileSync(join(root, 'package-lock.json'), JSON.stringify(lock));
      pkg('node_modules/sharp', { name: 'sharp' });
      pkg('node_modules/detect-libc', { name: 'detect-libc' });
      pkg('node_modules/@img/sharp-darwin-arm64', { name: '@img/sharp-darwin-arm64' }); // what a Mac has
      const out = join(root, 'bundle');
      expect(() => copyExternals(out, { root, externals: ['sharp'], platform: LAMBDA_X64 })).toThrow(
        'npm install --no-save --os=linux --cpu=x64 --libc=glibc @img/sharp-linux-x64@0.34.5',
      );
      pkg('node_modules/@img/sharp-linux-x64', { name: '@img/sharp-linux-x64' });
      const copied = copyExternals(out, { root, externals: ['sharp'], platform: LAMBDA_X64 });
      expect(copied.map((p) => p.path).sort()).toEqual(['node_modules/@img/sharp-linux-x64', 'node_modules/detect-libc', 'node_modules/sharp']);
      expect(listFiles(join(out, 'node_modules')).length).toBe(3);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('scripts/lambda-bundle-size --function api', () => {
  const work = mkdtempSync(join(tmpdir(), 'medslim-api-bundle-test-'));
  const out = join(work, 'bundle');
  let report: { bytes: number; fits: boolean; bundledPackages: string[]; forbidden: { what: string; input: string }[]; parts: { name: string }[] };

  beforeAll(async () => {
    const { stdout } = await run(SCRIPT, ['--function', 'api', '--out', out, '--json'], { cwd: ROOT, maxBuffer: 8 * 1024 * 1024 });
    report = JSON.parse(stdout);
  }, 180_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('builds with nothing external, carries no tfjs, distiller, pipeline or worker, and is one file', () => {
    expect(report.forbidden).toEqual([]);
    expect(report.bundledPackages.filter((p) => p.startsWith('@tensorflow/') || p === 'onnxruntime-node' || p === 'sharp')).toEqual([]);
    // What the API really uses is in there: Hono, zod, the S3 client (the store) and the Batch client (the runner).
    expect(report.bundledPackages).toEqual(expect.arrayContaining(['hono', 'zod', '@aws-sdk/client-s3', '@aws-sdk/client-batch']));
    expect(listFiles(out).map((f) => relative(out, f.path))).toEqual(['lambda.mjs']);
    expect(report.parts.map((p) => p.name)).toEqual(['code']);
    expect(report.fits).toBe(true);
    expect(report.bytes).toBeLessThan(5 * 1024 * 1024); // ~1.1 MB today; tfjs-core alone would add ~3 MB
  });

  it('answers from the bundle alone: the OpenAPI document, and 401 without a key', async () => {
    const probeDir = join(work, 'probe');
    mkdirSync(probeDir);
    const event = (path: string) => ({
      version: '2.0',
      routeKey: '$default',
      rawPath: path,
      rawQueryString: '',
      headers: { host: 'api.example' },
      requestContext: { http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' }, domainName: 'api.example', requestId: 'r1', stage: '$default', timeEpoch: 0 },
      isBase64Encoded: false,
    });
    writeFileSync(
      join(out, 'probe.mjs'),
      [
        "const { handler } = await import('./lambda.mjs');",
        `const doc = await handler(${JSON.stringify(event('/v1/openapi.json'))}, {});`,
        `const models = await handler(${JSON.stringify(event('/v1/models'))}, {});`,
        'console.log(JSON.stringify({ doc: [doc.statusCode, JSON.parse(doc.body).info.title], models: [models.statusCode, JSON.parse(models.body).error.code] }));',
      ].join('\n'),
    );
    const env = { PATH: process.env.PATH, MEDSLIM_STORE: `fs:${join(work, 'store')}` };
    const { stdout: probeOut } = await run(process.execPath, [join(out, 'probe.mjs')], { cwd: probeDir, env });
    expect(JSON.parse(probeOut)).toEqual({ doc: [200, 'medslim API'], models: [401, 'UNAUTHORIZED'] });
  });
});
