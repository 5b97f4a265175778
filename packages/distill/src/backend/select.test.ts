import { afterEach, describe, expect, it } from 'vitest';
import * as tfc from '@tensorflow/tfjs-core';
import { registerTrainingBackend, resetTrainingBackends, selectTrainingBackend } from './index.ts';
import type { Tfjs } from './index.ts';
import { wasmTrainingKernelsRegistered } from '../kernels/register.ts';

afterEach(() => resetTrainingBackends());

function notInstalled(spec: string): Error {
  return Object.assign(new Error(`Cannot find package '${spec}' imported from /x.js`), { code: 'ERR_MODULE_NOT_FOUND' });
}

/** A stand-in for the tf namespace a native package exports. */
function fakeTf(opts: { gpu?: boolean } = {}): Tfjs {
  let current = 'cpu';
  return {
    setBackend: async (name: string) => {
      current = name;
      return name === 'tensorflow';
    },
    ready: async () => {},
    getBackend: () => current,
    backend: () => ({ isUsingGpuDevice: opts.gpu }),
  } as unknown as Tfjs;
}

describe('selectTrainingBackend', () => {
  it('falls back to wasm here (native packages absent) and says why', async () => {
    const logs: string[] = [];
    const sel = await selectTrainingBackend({ log: (m) => logs.push(m) });
    expect(sel.name).toBe('wasm');
    expect(sel.tf.getBackend()).toBe('wasm');
    expect(sel.threads).toBeGreaterThanOrEqual(1);
    expect(sel.reasons).toHaveLength(2);
    expect(sel.reasons[0]).toMatch(/^tfjs-node-gpu: /);
    expect(sel.reasons[1]).toMatch(/^tfjs-node: .*@tensorflow\/tfjs-node/);
    expect(wasmTrainingKernelsRegistered()).toBe(true);
    expect(tfc.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(logs.some((l) => l.includes('training backend: wasm'))).toBe(true);
  });

  it('prefer: wasm skips the native candidates', async () => {
    const sel = await selectTrainingBackend({ prefer: 'wasm' });
    expect(sel.name).toBe('wasm');
    expect(sel.reasons).toEqual([]);
  });

  it('uses the tf namespace a native package exports', async () => {
    const tf = fakeTf();
    const sel = await selectTrainingBackend({
      gpuAvailable: () => 'no NVIDIA GPU (test)',
      importModule: async (spec) => {
        if (spec === '@tensorflow/tfjs-node') return { default: tf };
        throw notInstalled(spec);
      },
    });
    expect(sel.name).toBe('tfjs-node');
    expect(sel.tf).toBe(tf);
    expect(sel.reasons).toEqual(['tfjs-node-gpu: no NVIDIA GPU (test)']);
  });

  it('takes tfjs-node-gpu only when TensorFlow really sees a GPU', async () => {
    const withGpu = await selectTrainingBackend({
      gpuAvailable: () => null,
      importModule: async (spec) => (spec === '@tensorflow/tfjs-node-gpu' ? fakeTf({ gpu: true }) : Promise.reject(notInstalled(spec))),
    });
    expect(withGpu.name).toBe('tfjs-node-gpu');
    resetTrainingBackends();
    const noGpu = await selectTrainingBackend({
      gpuAvailable: () => null,
      importModule: async (spec) => (spec === '@tensorflow/tfjs-node-gpu' ? fakeTf({ gpu: false }) : Promise.reject(notInstalled(spec))),
    });
    expect(noGpu.name).toBe('wasm');
    expect(noGpu.reasons[0]).toMatch(/tfjs-node-gpu: .*no usable GPU/);
    expect(noGpu.reasons[1]).toBe('tfjs-node: package @tensorflow/tfjs-node is not installed (ERR_MODULE_NOT_FOUND)');
  });

  it('prefer: node tries tfjs-node first, then the rest by priority', async () => {
    const sel = await selectTrainingBackend({ prefer: 'node', gpuAvailable: () => 'no GPU (test)', importModule: async (spec) => Promise.reject(notInstalled(spec)) });
    expect(sel.name).toBe('wasm');
    expect(sel.reasons.map((r) => r.split(':')[0])).toEqual(['tfjs-node', 'tfjs-node-gpu']);
  });

  it('throws one error listing every failure when nothing works', async () => {
    registerTrainingBackend(
      {
        name: 'wasm',
        tfBackendName: 'wasm',
        init: async () => {
          throw new Error('wasm binary missing (test)');
        },
      },
      100,
    );
    await expect(
      selectTrainingBackend({ gpuAvailable: () => 'no GPU (test)', importModule: async (spec) => Promise.reject(notInstalled(spec)) }),
    ).rejects.toThrow(
      'no training backend is usable:\n  - tfjs-node-gpu: no GPU (test)\n  - tfjs-node: package @tensorflow/tfjs-node is not installed (ERR_MODULE_NOT_FOUND)\n  - wasm: wasm binary missing (test)',
    );
  });

  it('rejects an unknown preference', async () => {
    await expect(selectTrainingBackend({ prefer: 'gpu' as never })).rejects.toThrow(/unknown backend preference/);
  });
});
