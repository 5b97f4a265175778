/**
 * Evaluate `sst.config.ts` without AWS, SST's CLI or Pulumi: the config is compiled with esbuild
 * and run against stand-ins for SST's globals (`$config`, `$app`, `$interpolate`, `sst.*`, `aws.*`,
 * …) that record every component and resource constructed, with its arguments.
 *
 * Every resource is a Proxy: reading any property gives a readable placeholder string
 * (`arn` → `arn:stub:GpuQueue`, `url` → `https://api.stub/`, else `{Store.name}`), so wiring
 * can be compared by value (`environment.MEDSLIM_STORE === 's3://{Store.name}'`) and links by
 * identity (`link.includes(store)`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

/** One constructed component or resource, or one data-source call (`aws.ec2.getVpcOutput`). */
export interface Recorded {
  /** e.g. `sst.aws.Function`, `aws.batch.JobDefinition`, `aws.ec2.getVpcOutput`. */
  type: string;
  /** The logical name (first constructor argument); for data sources, the function name. */
  name: string;
  /** The arguments as passed (Proxies of other resources stay Proxies). */
  args: Record<string, any>;
  /** The object the config got back. */
  ref: object;
}

/** What `app(input)` returned. */
export interface AppResult {
  name: string;
  home: string;
  removal?: string;
  protect?: boolean;
  [k: string]: unknown;
}

/** The result of evaluating the config for one stage. */
export interface Evaluation {
  stage: string;
  app: AppResult;
  outputs: Record<string, unknown>;
  resources: Recorded[];
  /** All recorded of `type`. */
  all(type: string): Recorded[];
  /** The one recorded of `type` named `name`, or undefined. */
  find(type: string, name: string): Recorded | undefined;
}

export interface EvaluateOptions {
  /** Repository root (where sst.config.ts and node_modules are). */
  root: string;
  stage: string;
  /** Config source to evaluate instead of `<root>/sst.config.ts` (mutation tests). */
  source?: string;
  /** Environment set while the config loads and runs (deploy-time knobs), restored afterwards. */
  env?: Record<string, string>;
}

const NO_PROXY = new Set<PropertyKey>(['then', 'toJSON', 'constructor', 'valueOf', 'toString', 'inspect']);

function placeholder(name: string, prop: string): string {
  if (prop === 'arn') return `arn:stub:${name}`;
  if (prop === 'url') return `https://${name.toLowerCase()}.stub/`;
  return `{${name}.${prop}}`;
}

function stubObject(type: string, name: string): object {
  const target = { __stub: `${type} ${name}` };
  return new Proxy(target, {
    get(t, prop) {
      if (prop in t) return (t as Record<PropertyKey, unknown>)[prop];
      if (typeof prop === 'symbol' || NO_PROXY.has(prop)) return undefined;
      return placeholder(name, prop);
    },
  });
}

/** `ns.Member`: constructors (upper case) record a resource; `getX`/other functions record a call. */
function namespace(path: string, rec: Recorded[]): object {
  return new Proxy(
    {},
    {
      get(_t, prop) {
        if (typeof prop === 'symbol' || NO_PROXY.has(prop)) return undefined;
        const type = `${path}.${prop}`;
        if (/^[A-Z]/.test(prop)) {
          // Usable with `new` (a constructor returning an object returns that object).
          return function Resource(name: string, args: Record<string, any> = {}) {
            const ref = stubObject(type, name);
            rec.push({ type, name, args, ref });
            return ref;
          };
        }
        if (prop === 'permission') {
          return (args: Record<string, any>) => {
            const ref = { type: 'aws.permission', ...args };
            rec.push({ type, name: 'permission', args, ref });
            return ref;
          };
        }
        if (/^get/.test(prop)) {
          return (args: Record<string, any> = {}) => {
            const ref = stubObject(type, prop);
            rec.push({ type, name: prop, args, ref });
            return ref;
          };
        }
        return namespace(type, rec);
      },
    },
  );
}

const interpolate = (strings: TemplateStringsArray, ...values: unknown[]) => strings.reduce((s, part, i) => s + part + (i < values.length ? String(values[i]) : ''), '');

/** Compile the config (relative imports bundled, packages external) to a temporary .mjs. */
async function compile(root: string, source: string, outDir: string): Promise<string> {
  const contents = source.replace(/^\/\/\/\s*<reference[^\n]*\n/m, '');
  const result = await esbuild.build({
    stdin: { contents, loader: 'ts', resolveDir: root, sourcefile: 'sst.config.ts' },
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  const file = join(outDir, 'sst.config.mjs');
  writeFileSync(file, result.outputFiles[0]!.text);
  return file;
}

/**
 * Load the config, call `app({ stage })` and `await run()` against recording stand-ins.
 * Globals are installed only while the config runs and removed afterwards.
 */
export async function evaluateConfig(opts: EvaluateOptions): Promise<Evaluation> {
  const source = opts.source ?? readFileSync(join(opts.root, 'sst.config.ts'), 'utf8');
  const resources: Recorded[] = [];
  const g = globalThis as Record<string, unknown>;
  const globals: Record<string, unknown> = {
    $config: (c: unknown) => c,
    $app: { name: 'medslim', stage: opts.stage },
    $dev: false,
    $cli: { paths: { root: opts.root } },
    $interpolate: interpolate,
    $jsonStringify: (v: unknown) => JSON.stringify(v),
    sst: namespace('sst', resources),
    aws: namespace('aws', resources),
  };
  const savedGlobals = Object.fromEntries(Object.keys(globals).map((k) => [k, g[k]]));
  const savedEnv = Object.fromEntries(Object.keys(opts.env ?? {}).map((k) => [k, process.env[k]]));
  const dir = mkdtempSync(join(tmpdir(), 'medslim-sst-config-'));
  try {
    Object.assign(g, globals);
    Object.assign(process.env, opts.env ?? {});
    const file = await compile(opts.root, source, dir);
    const mod = (await import(pathToFileURL(file).href)) as { default: { app(input: { stage: string }): AppResult; run(): Promise<Record<string, unknown> | void> } };
    const app = mod.default.app({ stage: opts.stage });
    const outputs = (await mod.default.run()) ?? {};
    return {
      stage: opts.stage,
      app,
      outputs,
      resources,
      all: (type) => resources.filter((r) => r.type === type),
      find: (type, name) => resources.find((r) => r.type === type && r.name === name),
    };
  } finally {
    for (const [k, v] of Object.entries(savedGlobals)) {
      if (v === undefined) delete g[k];
      else g[k] = v;
    }
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
