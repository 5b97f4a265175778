/**
 * The inference Lambda bundle: scripts/lambda-bundle-size builds it as `sst deploy` does (same
 * esbuild options, the same postbuild from infra/lambda-bundle.ts) and must report it within
 * Lambda's 250 MB unzipped limit, with only linux/x64 binaries left — and those must still load.
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
