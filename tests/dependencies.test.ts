/**
 * Dependencies are declared where they are imported, and only there:
 * - every package a workspace's production code imports (src/, bin/, not tests) is in its
 *   `dependencies` or `optionalDependencies`; an optional one may be loaded by name at run time
 *   (its name as a string literal, e.g. the tfjs-node backends);
 * - every `dependency` is imported by production code (a `@types/x` counts when `x` is imported);
 * - what only tests import is a `devDependency` of that workspace or of the root (vitest);
 * - the root's tests, benchmarks and scripts import only root dependencies and workspace packages.
 * And one configuration reader: production code reads environment variables only in packages/config.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/fixtures.ts';

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const BUILTINS = new Set(builtinModules);

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')
      ? []
      : e.isDirectory()
        ? sourceFiles(join(dir, e.name))
        : /\.(ts|tsx|mts|mjs|js)$/.test(e.name) && !e.name.endsWith('.d.ts')
          ? [join(dir, e.name)]
          : [],
  );
}

/** Package names a file imports: static and dynamic `import`, `export … from`, `require`, `createRequire(…)(…)`. */
function importedPackages(code: string): string[] {
  const specs = [...code.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*(?:\/\*[^*]*\*\/\s*)?|\bimport\s+|\brequire\s*\(\s*|createRequire\([^)]*\)\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]);
  return specs
    .filter((s) => !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('node:'))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]))
    .filter((p) => !BUILTINS.has(p));
}

const isTestFile = (f: string) => /\.test\.tsx?$|[\\/]testing[\\/]|test-utils\.ts$/.test(f);
const read = (f: string) => readFileSync(f, 'utf8');
const manifest = (dir: string) => JSON.parse(read(join(dir, 'package.json'))) as Manifest;
const root = manifest(repoRoot);
const rootDeclared = new Set([...Object.keys(root.dependencies ?? {}), ...Object.keys(root.devDependencies ?? {})]);

const workspaces = ['packages', 'functions'].flatMap((group) =>
  readdirSync(join(repoRoot, group))
    .map((d) => join(repoRoot, group, d))
    .filter((dir) => existsSync(join(dir, 'package.json'))),
);
const workspaceNames = new Set(workspaces.map((dir) => manifest(dir).name));

describe('dependencies are declared where they are imported', () => {
  for (const dir of workspaces) {
    const pkg = manifest(dir);
    const files = ['src', 'bin', 'scripts'].flatMap((d) => sourceFiles(join(dir, d)));
    const prodFiles = files.filter((f) => !isTestFile(f));
    const prod = new Set(prodFiles.flatMap((f) => importedPackages(read(f))));
    const test = new Set(files.filter(isTestFile).flatMap((f) => importedPackages(read(f))));
    const deps = Object.keys(pkg.dependencies ?? {});
    const optional = Object.keys(pkg.optionalDependencies ?? {});
    const dev = Object.keys(pkg.devDependencies ?? {});
    const prodText = prodFiles.map(read).join('\n');

    it(`${pkg.name}: production imports ⊆ dependencies, and every dependency is imported`, () => {
      const declared = new Set([...deps, ...optional]);
      expect([...prod].filter((p) => p !== pkg.name && !declared.has(p)).sort(), 'imported but not declared').toEqual([]);
      const used = (p: string) => prod.has(p) || (p.startsWith('@types/') && prod.has(p.slice('@types/'.length).replace(/^([^_]+)__/, '@$1/')));
      expect(deps.filter((p) => !used(p)).sort(), 'declared but never imported by production code').toEqual([]);
      expect(optional.filter((p) => !used(p) && !prodText.includes(`'${p}'`)).sort(), 'optional and never loaded').toEqual([]);
    });

    it(`${pkg.name}: what only tests import is a devDependency (here or at the root)`, () => {
      const ok = new Set([...deps, ...optional, ...dev, ...rootDeclared, pkg.name]);
      expect([...test].filter((p) => !ok.has(p)).sort()).toEqual([]);
      const usedByTests = (p: string) => test.has(p) || prod.has(p) || (p.startsWith('@types/') && (test.has(p.slice(7)) || prod.has(p.slice(7))));
      const scriptsUse = (p: string) => sourceFiles(join(dir, 'scripts')).some((f) => read(f).includes(`'${p}'`));
      expect(dev.filter((p) => !usedByTests(p) && !scriptsUse(p)).sort(), 'devDependencies nothing uses').toEqual([]);
    });
  }

  it('the root tests, benchmarks and scripts import only root dependencies and workspace packages', () => {
    const files = ['tests', 'bench', 'scripts', 'infra'].flatMap((d) => sourceFiles(join(repoRoot, d)));
    const missing = files.flatMap((f) => importedPackages(read(f)).filter((p) => !rootDeclared.has(p) && !workspaceNames.has(p)).map((p) => `${relative(repoRoot, f)}: ${p}`));
    expect([...new Set(missing)].sort()).toEqual([]);
  });

  it('production code reads environment variables only through @medslim/config', () => {
    const reads = workspaces
      .filter((dir) => !dir.endsWith(join('packages', 'config')))
      .flatMap((dir) => ['src', 'bin'].flatMap((d) => sourceFiles(join(dir, d))))
      .filter((f) => !isTestFile(f))
      .flatMap((f) =>
        read(f)
          .split('\n')
          .map((line, i) => ({ line, at: `${relative(repoRoot, f)}:${i + 1}` }))
          .filter(({ line }) => /\benv\.[A-Z][A-Z0-9_]+|\benv\[\s*['"`]/.test(line))
          .map(({ at }) => at),
      );
    expect(reads).toEqual([]);
  });
});
