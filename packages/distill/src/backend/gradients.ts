/**
 * tfjs-core's gradients are not part of its Node bundle (`tf-core.node.js`);
 * the `@tensorflow/tfjs` union package registers them by importing
 * `@tensorflow/tfjs-core/dist/register_all_gradients`. medslim only depends on
 * tfjs-core, so without this `tf.grad` fails with "gradient function not
 * found". That file is an ES module tree with extensionless specifiers
 * ('./gradients' is both a file and a folder) inside a package without
 * "type": "module": bundlers and vitest load it, plain Node does not. In plain
 * Node a tiny resolve hook (module.register) maps those specifiers to the
 * `.js` files as ES modules. The copy shares tfjs's global engine and gradient
 * registry, so registration is visible to every tfjs-core instance.
 */
import * as tfc from '@tensorflow/tfjs-core';
import { getGradient, registerGradient } from '@tensorflow/tfjs-core';
import type { GradConfig } from '@tensorflow/tfjs-core';

const SPEC = '@tensorflow/tfjs-core/dist/register_all_gradients.js';
/** Same symbol as kernels/register.ts's MEDSLIM_MARK. */
const MARK = Symbol.for('medslim.wasmTrainingKernels');

const HOOK = `
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
const DIST = '/@tensorflow/tfjs-core/dist/';
export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent && parent.includes(DIST) && (specifier.startsWith('./') || specifier.startsWith('../'))) {
    const u = new URL(specifier, parent);
    let p = fileURLToPath(u);
    if (!p.endsWith('.js')) {
      if (existsSync(p + '.js')) p = p + '.js';
      else if (existsSync(p) && statSync(p).isDirectory()) p = p + '/index.js';
    }
    return { url: pathToFileURL(p).href, format: 'module', shortCircuit: true };
  }
  if (specifier.endsWith('tfjs-core/dist/register_all_gradients.js')) {
    const r = await next(specifier, context);
    return { ...r, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}
`;

let pending: Promise<void> | null = null;

/** True when tfjs-core's gradients (Conv2D, Relu6, ...) are registered. */
export function tfjsGradientsRegistered(): boolean {
  return getGradient('Conv2D') != null && getGradient('Relu6') != null && getGradient('FusedBatchNorm') != null;
}

/** Registers tfjs-core's gradient configs once (no-op when already there). */
export function ensureTfjsGradients(): Promise<void> {
  if (tfjsGradientsRegistered()) return Promise.resolve();
  pending ??= load().catch((err: unknown) => {
    pending = null;
    throw new Error(`could not register tfjs-core's gradients (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  });
  return pending;
}

async function load(): Promise<void> {
  // Inside a vitest worker its module runner resolves the extensionless specifiers itself. Child processes
  // started by a test inherit VITEST=… but run plain Node, so the environment is not a reliable sign.
  const underVite = (globalThis as { __vitest_worker__?: unknown }).__vitest_worker__ !== undefined;
  if (!underVite) {
    const mod = await import('node:module');
    if (typeof mod.register !== 'function') throw new Error('node:module register() is unavailable (Node ≥ 20.6 needed)');
    mod.register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
  }
  // Gradients someone registered before the defaults arrive (e.g. medslim's
  // Relu6 gradient) win over the defaults: snapshot and re-apply them.
  const earlier: GradConfig[] = [];
  for (const v of Object.values(tfc)) {
    if (typeof v !== 'string') continue;
    const g = getGradient(v);
    if (g != null) earlier.push(g);
  }
  await import(/* @vite-ignore */ SPEC);
  for (const g of earlier) {
    // medslim's wrappers fall back to tfjs's gradient: hand them the default just loaded.
    const holder = (g as GradConfig & { [MARK]?: { original?: GradConfig } })[MARK];
    if (holder != null && holder.original == null) holder.original = getGradient(g.kernelName);
    registerGradient(g);
  }
  if (!tfjsGradientsRegistered()) throw new Error(`${SPEC} loaded but registered no gradients`);
}
