/**
 * The compress job's search under the clinical gate: candidate summaries, the choice (smallest model whose gate
 * passes on the VALIDATION split; the test split only confirms), INT8 mixed-precision fallback, and the Pareto
 * chart. Like Intel Neural Compressor's accuracy-aware tuning (fall back op by op until the budget holds) and NNCF's
 * adaptive compression level, but the budget is the clinical gate: AUC, every class's sensitivity, ECE, agreement.
 */
import * as ort from 'onnxruntime-node';
import { argmax, evaluateClassifier, runLogits, type ImageBatch } from '@medslim/eval';
import { readModel } from '@medslim/onnx';
import { optimizeWithOrt, quantizeStatic, type CalibrationBatch, type QuantizeConfig } from '@medslim/quantize';
import type { SearchCandidate as Candidate, SplitSummary } from '@medslim/contracts';
import type { GateResult } from '../gate.ts';
import { svgChart } from '../svg-chart.ts';

/** A candidate's point metrics on one split, and the candidate itself: report.json's `search.candidates[i]` (schema in @medslim/contracts). */
export type { SplitSummary, SearchCandidate as Candidate } from '@medslim/contracts';

/** Point metrics of logits `[N,K]` against labels and the teacher's top-1 (cheap: no bootstrap worth reading). */
export function splitSummary(logits: Float32Array, labels: Int32Array, k: number, teacherPred: Int32Array, labelNames: string[]): SplitSummary {
  const m = evaluateClassifier(logits, labels, k, { referencePred: teacherPred, labelNames, bootstrap: { iterations: 1 } });
  return { auc: m.auc, accuracy: m.accuracy, ece: m.ece, agreement: m.agreement ?? NaN, perClass: m.perClass.map((c) => ({ label: c.label, sensitivity: c.sensitivity })) };
}

/** The failed checks of a gate, by name. */
export const failedChecks = (g: GateResult): string[] => g.checks.filter((c) => !c.passed).map((c) => c.name);

/** Largest sensitivity drop of a gate's per-class checks (NaN counts as 1: a class that cannot be seen). */
export function worstSensitivityDrop(g: GateResult): number {
  const drops = g.checks.filter((c) => c.name.startsWith('sensitivity_drop[')).map((c) => (Number.isFinite(c.value) ? c.value : 1));
  return drops.length ? Math.max(...drops) : 0;
}

export interface Choice {
  chosen: string;
  reason: string;
  /** True when no candidate passed the validation gate within the constraints: the closest one is returned. */
  bestEffort: boolean;
  /** The student-derived candidate that came closest when the chosen one is not a student (null otherwise). */
  closestStudent: { name: string; failed: string[] } | null;
}

const shortBytes = (b: number) => (b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB` : `${(b / 1e3).toFixed(1)} kB`);

/**
 * Picks the model the job returns. Eligible: gate passed on validation and no constraint broken. Among them the
 * smallest by bytes; equal bytes → lower latency. None eligible → best effort: among gate-passing candidates
 * (constraints broken) the smallest, else the candidate with the fewest failed checks (ties: smaller worst
 * sensitivity drop, then bytes). The test split plays no part.
 * @param teacherBytes the teacher's size, for the ratio in the reason.
 */
export function chooseCandidate(cands: readonly Candidate[], teacherBytes: number): Choice {
  if (cands.length === 0) throw new Error('chooseCandidate: no candidates');
  const bySize = (a: Candidate, b: Candidate) => a.bytes - b.bytes || a.latencyMs - b.latencyMs;
  const students = cands.filter((c) => c.kind !== 'teacher-int8');
  const closest = [...students].sort((a, b) => a.gateVal.failed.length - b.gateVal.failed.length || a.worstSensitivityDrop - b.worstSensitivityDrop || bySize(a, b))[0];
  const eligible = cands.filter((c) => c.gateVal.passed && c.constraintsFailed.length === 0).sort(bySize);
  const studentNote = (c: Candidate) => (c.kind === 'teacher-int8' && closest && !students.some((s) => s.gateVal.passed)
    ? `; no student passes the gate on validation — closest: ${closest.name} (failed ${closest.gateVal.failed.join(', ')})`
    : '');
  const closestStudent = (c: Candidate) => (c.kind === 'teacher-int8' && closest ? { name: closest.name, failed: closest.gateVal.failed } : null);
  if (eligible.length > 0) {
    const c = eligible[0];
    return {
      chosen: c.name, bestEffort: false, closestStudent: closestStudent(c),
      reason: `smallest of ${eligible.length}/${cands.length} candidates whose gate passes on validation${cands.some((x) => x.constraintsFailed.length) ? ' within the constraints' : ''}: ${c.name}, ${shortBytes(c.bytes)} (1/${Math.round(teacherBytes / c.bytes)} of the teacher)${studentNote(c)}`,
    };
  }
  const gatePassing = cands.filter((c) => c.gateVal.passed).sort(bySize);
  if (gatePassing.length > 0) {
    const c = gatePassing[0];
    return { chosen: c.name, bestEffort: true, closestStudent: closestStudent(c), reason: `best effort: no candidate meets the constraints; ${c.name} passes the gate on validation but breaks ${c.constraintsFailed.join(', ')}` };
  }
  const c = [...cands].sort((a, b) => a.gateVal.failed.length - b.gateVal.failed.length || a.worstSensitivityDrop - b.worstSensitivityDrop || bySize(a, b))[0];
  return { chosen: c.name, bestEffort: true, closestStudent: closestStudent(c), reason: `best effort: no candidate passes the gate on validation, not even the INT8 teacher; closest: ${c.name} (failed ${c.gateVal.failed.join(', ')})` };
}

/** Logits `[N,K]` of an ONNX model through onnxruntime-node at 'all' (the kernels a deployment runs). */
export async function modelLogits(model: Uint8Array, input: ImageBatch, intraOpNumThreads = 1): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', intraOpNumThreads, interOpNumThreads: 1 });
  try {
    return (await runLogits(session, input, { batchSize: 64 })).logits;
  } finally {
    await session.release();
  }
}

/** One row of the per-layer INT8 sensitivity table. */
export interface LayerSensitivity {
  /** Node name in the ORT-optimized float graph (what QuantizeConfig.exclude takes). */
  node: string;
  opType: string;
  /** RMS difference of validation logits from the float model's with only this layer quantized. */
  logitRmse: number;
  /** Top-1 agreement with the float model's validation predictions with only this layer quantized. */
  agreement: number;
}

export interface MixedPrecisionResult {
  table: LayerSensitivity[];
  /** Layers kept in float in the returned model (most sensitive first). */
  keptFloat: string[];
  bytes: Uint8Array | null;
  /** Whether the gate on validation passed with `keptFloat` in float. */
  passed: boolean;
  /** Each fallback step tried: layers in float → checks failed on validation. */
  steps: { floatLayers: number; failed: string[] }[];
}

/**
 * INT8 with mixed-precision fallback. 1. Per-layer sensitivity on validation images: quantize one Conv/Gemm
 * at a time (every other layer left float) and measure how far the logits move from the float model's
 * (RMS) and how often its top-1 changes. 2. Keep the most sensitive layers in float — 1, 2, 4, … of them —
 * until `gate(logits)` passes on validation or half the layers are float. Returns the table and the first
 * model that passed (or the last tried).
 * @param floatModel the float ONNX model. @param calibration batches in its input contract.
 * @param val validation images in its input contract. @param gate the clinical gate on validation logits.
 */
export async function mixedPrecisionFallback(
  floatModel: Uint8Array,
  calibration: readonly CalibrationBatch[],
  quantize: Partial<QuantizeConfig>,
  val: ImageBatch,
  numClasses: number,
  gate: (logits: Float32Array) => GateResult,
  opts: { onStep?: (done: number, total: number) => void; cancelled?: () => void } = {},
): Promise<MixedPrecisionResult> {
  const optimized = readModel(await optimizeWithOrt(floatModel, 'basic'));
  const layers = (optimized.graph!.node ?? []).filter((n) => ['Conv', 'Gemm', 'MatMul'].includes(n.opType ?? '') && n.name).map((n) => ({ node: n.name!, opType: n.opType! }));
  const n = val.dims[0];
  const floatLogits = await modelLogits(floatModel, val);
  const floatPred = argmax(floatLogits, n, numClasses);
  const table: LayerSensitivity[] = [];
  for (let i = 0; i < layers.length; i++) {
    opts.cancelled?.();
    const others = layers.filter((_, j) => j !== i).map((l) => l.node);
    const q = await quantizeStatic(floatModel, calibration, { ...quantize, exclude: others });
    const logits = await modelLogits(q.bytes, val);
    let se = 0;
    for (let j = 0; j < logits.length; j++) se += (logits[j] - floatLogits[j]) ** 2;
    const pred = argmax(logits, n, numClasses);
    let agree = 0;
    for (let j = 0; j < n; j++) if (pred[j] === floatPred[j]) agree++;
    table.push({ ...layers[i], logitRmse: Math.sqrt(se / logits.length), agreement: agree / n });
    opts.onStep?.(i + 1, layers.length);
  }
  const ranked = [...table].sort((a, b) => b.logitRmse - a.logitRmse || a.node.localeCompare(b.node));
  const steps: MixedPrecisionResult['steps'] = [];
  let last: { keep: string[]; bytes: Uint8Array; passed: boolean } | null = null;
  for (let count = 1; count <= Math.max(1, Math.floor(layers.length / 2)); count *= 2) {
    opts.cancelled?.();
    const keep = ranked.slice(0, count).map((r) => r.node);
    const q = await quantizeStatic(floatModel, calibration, { ...quantize, exclude: keep });
    const g = gate(await modelLogits(q.bytes, val));
    steps.push({ floatLayers: count, failed: g.checks.filter((c) => !c.passed).map((c) => c.name) });
    last = { keep, bytes: q.bytes, passed: g.passed };
    if (g.passed) break;
  }
  return { table, keptFloat: last?.keep ?? [], bytes: last?.bytes ?? null, passed: last?.passed ?? false, steps };
}

/** The Pareto chart: bytes (log scale) vs worst per-class sensitivity drop on validation, one point per candidate. */
export function paretoSvg(cands: readonly Candidate[], chosen: string): string {
  return svgChart('Candidates: size vs worst per-class sensitivity drop (validation)', 'model size (bytes, log scale)', 'worst sensitivity drop vs teacher',
    cands.map((c) => ({ name: `${c.name}${c.name === chosen ? ' (chosen)' : ''}${c.gateVal.passed ? '' : ' ✗'}`, points: [[c.bytes, c.worstSensitivityDrop]] as [number, number][], line: false })), { xLog: true });
}

/** report.md's candidate table. */
export function candidateTableMarkdown(cands: readonly Candidate[], chosen: string): string {
  const f4 = (x: number | null) => (x !== null && Number.isFinite(x) ? x.toFixed(4) : 'n/a');
  const pc = (x: number | null) => (x !== null && Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : 'n/a');
  const lines = [
    '| candidate | kind | width | px | params | bytes | p50 ms | val AUC | val agreement | worst sens. drop (val) | gate (val) | test AUC | gate (test) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of cands) {
    const gv = c.gateVal.passed ? 'pass' : `fail: ${c.gateVal.failed.join(', ')}`;
    const gt = c.gateTest.passed ? 'pass' : `fail: ${c.gateTest.failed.join(', ')}`;
    lines.push(`| ${c.name === chosen ? `**${c.name}** (chosen)` : c.name} | ${c.kind} | ${c.width ?? '—'} | ${c.resolution} | ${c.params.toLocaleString('en-US')} | ${c.bytes.toLocaleString('en-US')} | ${c.latencyMs.toFixed(2)} | ${f4(c.val.auc)} | ${pc(c.val.agreement)} | ${pc(c.worstSensitivityDrop)} | ${gv}${c.constraintsFailed.length ? `; breaks ${c.constraintsFailed.join(', ')}` : ''} | ${f4(c.test.auc)} | ${gt} |`);
  }
  return lines.join('\n');
}

/** The candidate table as fixed-width console lines (CLI and bench/compress print it). */
export function candidateTableText(cands: readonly Candidate[], chosen: string): string[] {
  const f4 = (x: number | null) => (x !== null && Number.isFinite(x) ? x.toFixed(4) : '  n/a ');
  const pc = (x: number | null) => (x !== null && Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
  const gate = (g: { passed: boolean; failed: string[] }) => (g.passed ? 'pass' : `fail(${g.failed.join(',')})`);
  return [
    'candidate        kind          bytes   p50 ms  val AUC  val agree  gate(val)                       test AUC  gate(test)',
    ...cands.map((c) => `${(c.name === chosen ? '*' : ' ') + c.name.padEnd(15)} ${c.kind.padEnd(12)} ${String(c.bytes).padStart(9)} ${c.latencyMs.toFixed(2).padStart(7)}  ${f4(c.val.auc)}  ${pc(c.val.agreement).padStart(9)}  ${(gate(c.gateVal) + (c.constraintsFailed.length ? ' !' + c.constraintsFailed.join(',') : '')).padEnd(30)}  ${f4(c.test.auc)}    ${gate(c.gateTest)}`),
  ];
}
