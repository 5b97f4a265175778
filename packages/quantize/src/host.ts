import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** The CPU a process runs on, as a report states it beside INT8 figures. */
export interface HostCpu {
  /** CPU model string from the OS (e.g. 'AMD EPYC 7B13'), 'unknown' when not reported. */
  model: string;
  /** Node's process.arch: 'x64', 'arm64', … */
  arch: string;
  /** x86-64: whether the CPU has AVX-512 VNNI or AVX-VNNI (from /proc/cpuinfo); null when it cannot be told. */
  vnni: boolean | null;
  /** The serving target this CPU is an instance of (see ServingTarget); null for another architecture. */
  target: 'x86_64' | 'x86_64-vnni' | 'arm64' | null;
}

/**
 * Describes this host's CPU: where INT8 latencies and integer-kernel accuracy were measured. ORT's integer
 * kernels differ between x86-64 without VNNI, with VNNI and arm64 (see ServingTarget), so figures measured
 * here hold for the serving target only when `target` matches it. Linux reads /proc/cpuinfo flags; elsewhere
 * `vnni` is null for x64.
 */
export function hostCpu(): HostCpu {
  const model = cpus()[0]?.model?.trim() || 'unknown';
  const arch = process.arch;
  if (arch === 'arm64') return { model, arch, vnni: null, target: 'arm64' };
  if (arch !== 'x64') return { model, arch, vnni: null, target: null };
  let vnni: boolean | null = null;
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1].split(/\s+/) ?? null;
    if (flags) vnni = flags.includes('avx512_vnni') || flags.includes('avx_vnni');
  } catch {
    vnni = null;
  }
  return { model, arch, vnni, target: vnni === null ? null : vnni ? 'x86_64-vnni' : 'x86_64' };
}
