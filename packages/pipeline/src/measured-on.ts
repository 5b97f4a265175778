import { hostCpu } from '@medslim/quantize';

/** Where INT8 figures were measured, and whether that CPU is an instance of the serving target. */
export function measuredOn(target: string): { cpu: string; arch: string; vnni: boolean | null; hostTarget: string | null; matchesTarget: boolean; note: string } {
  const h = hostCpu();
  const matches = h.target === target;
  return {
    cpu: h.model, arch: h.arch, vnni: h.vnni, hostTarget: h.target, matchesTarget: matches,
    note: matches
      ? `INT8 figures measured on ${h.model} (${h.target}), the serving target's kind of CPU`
      : `INT8 figures measured on ${h.model} (${h.target ?? h.arch}), not on the serving target ${target}: integer kernels differ, re-check on the target`,
  };
}
