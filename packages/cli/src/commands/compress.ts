import { existsSync, readFileSync } from 'node:fs';
import { candidateTableText, runCompressJob, type Candidate, type CompressSpecInput } from '@medslim/pipeline';
import { contractFlagOptions, contractFlagsUsage, contractFromFlags } from '../contract-flags.ts';
import { UsageError } from '../errors.ts';
import { commandFlags, numberOption } from '../options.ts';
import { progressBar } from '../progress.ts';

export const compressUsage = `usage: medslim compress --teacher <teacher.onnx> --data <dataset.npz> --out <dir> [options]

The main job: distill a MobileNetV2-family student from the teacher, prune it (sensitivity analysis, structured
channel pruning, KD fine-tuning), quantize it to INT8, evaluate every stage on the test split and run the
clinical safety gate. Every model made on the way (student, pruned, their INT8 versions, INT8 with sensitive
layers kept in float, the INT8 teacher) is a candidate: the job returns the smallest one whose gate passes on the
validation split (the test split confirms) as <dir>/model.onnx, with report.json and report.md (SVG charts);
re-running with the same inputs skips finished stages.

options:
  --preset quick|standard            quick: a few-minute smoke run; standard: the reference recipe (default)
  --target-params-reduction <f>      prune once: this fraction of the student's parameters (candidate 'pruned')
  --prune-schedule <a,b,…>           the iterative pruning path: levels (fractions of the student's parameters,
                                     increasing), each pruned further from the last, fine-tuned and gated on
                                     validation (candidates pruned-25, …); stops at the first level that fails
                                     (default standard 0.25,0.5,0.65; quick 0.5)
  --epochs <n>                       distillation epochs (default: preset)
  --seed <n>                         seed for everything random (default 0)
  --spec <file.json>                 a full job spec (teacher, dataset, preset, distill, prune, quantize, budgets)
  --budget-auc <x> --budget-sensitivity <x> --budget-ece <x> --budget-agreement <x>   gate budgets in [0, 1]
  --max-bytes <n> --max-latency-ms <x>  constraints on the returned model (bytes; batch-1 p50 ms on this CPU)
  --time-budget-minutes <x>          start no optional search step (mixed precision) after this long
  --target x86_64|x86_64-vnni|arm64 the serving CPU; decides INT8 reduce-range (default x86_64: safe everywhere)
  --gate-decision point|ci           the gate decides on point estimates (default) or on 95 % CI bounds
  --backend node-gpu|node|wasm       try this training backend first
  --require-gate                     exit 3 when the clinical safety gate fails (for CI pipelines that must
                                     not promote a failing model); without it a finished job exits 0 and
                                     prints the gate decision

exit codes: 0 job finished (gate decision printed), 2 bad input, 3 gate failed with --require-gate, 1 other error

${contractFlagsUsage}`;

/**
 * `medslim compress`: the main job. Prints the gate decision and where the report is. Returns the exit code:
 * 0 when the job finished, 3 when the gate failed and `--require-gate` was given.
 */
export async function compress(argv: string[], out: (s: string) => void): Promise<number> {
  const values = commandFlags(argv, compressUsage, out, {
    ...contractFlagOptions,
    teacher: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, preset: { type: 'string' },
    'target-params-reduction': { type: 'string' }, 'prune-schedule': { type: 'string' }, epochs: { type: 'string' }, seed: { type: 'string' }, spec: { type: 'string' },
    'budget-auc': { type: 'string' }, 'budget-sensitivity': { type: 'string' }, 'budget-ece': { type: 'string' }, 'budget-agreement': { type: 'string' },
    target: { type: 'string' }, 'gate-decision': { type: 'string' }, 'max-bytes': { type: 'string' }, 'max-latency-ms': { type: 'string' }, 'time-budget-minutes': { type: 'string' },
    backend: { type: 'string' }, 'require-gate': { type: 'boolean' },
  }, ['out']);
  if (!values) return 0;
  let spec: Record<string, unknown> = {};
  if (values.spec) {
    if (!existsSync(values.spec)) throw new UsageError(`--spec ${values.spec} does not exist`);
    let parsed: unknown;
    try { parsed = JSON.parse(readFileSync(values.spec, 'utf8')); } catch (e) { throw new UsageError(`--spec ${values.spec} is not valid JSON: ${(e as Error).message}`); }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`--spec ${values.spec} must hold a JSON object like {"teacher": "t.onnx", "dataset": "d.npz", "preset": "quick"}`);
    spec = parsed as Record<string, unknown>;
  }
  const n = (flag: string, v: string | undefined) => numberOption(v, flag);
  const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as object) : {});
  if (values.teacher) spec.teacher = values.teacher;
  if (values.data) spec.dataset = values.data;
  if (!spec.teacher || !spec.dataset) throw new UsageError(`--teacher and --data (or a --spec with teacher and dataset) are required\n${compressUsage}`);
  const contract = contractFromFlags(values);
  if (contract) spec.contract = { ...obj(spec.contract), ...contract };
  if (values.preset) spec.preset = values.preset;
  if (values.seed !== undefined) spec.seed = n('seed', values.seed);
  if (values['target-params-reduction'] !== undefined) spec.prune = { ...obj(spec.prune), targetParamsReduction: n('target-params-reduction', values['target-params-reduction']) };
  if (values['prune-schedule'] !== undefined) {
    const v = values['prune-schedule'];
    spec.prune = { ...obj(spec.prune), schedule: v.split(',').map((x) => numberOption(x, 'prune-schedule', () => true, `comma-separated fractions like 0.25,0.5,0.65 (got an entry '${x}')`)!) };
  }
  if (values.epochs !== undefined) spec.distill = { ...obj(spec.distill), epochs: n('epochs', values.epochs) };
  const budgets = { auc: n('budget-auc', values['budget-auc']), sensitivity: n('budget-sensitivity', values['budget-sensitivity']), ece: n('budget-ece', values['budget-ece']), agreement: n('budget-agreement', values['budget-agreement']) };
  if (Object.values(budgets).some((v) => v !== undefined)) {
    spec.budgets = { ...(spec.budgets as object), ...Object.fromEntries(Object.entries(budgets).filter(([, v]) => v !== undefined)) };
  }
  if (values.target !== undefined) spec.target = values.target;
  if (values['max-bytes'] !== undefined) spec.maxBytes = n('max-bytes', values['max-bytes']);
  if (values['max-latency-ms'] !== undefined) spec.maxLatencyMs = n('max-latency-ms', values['max-latency-ms']);
  if (values['time-budget-minutes'] !== undefined) spec.timeBudgetMinutes = n('time-budget-minutes', values['time-budget-minutes']);
  if (values['gate-decision'] !== undefined) spec.gate = { ...obj(spec.gate), decision: values['gate-decision'] };
  if (values.backend && !['node-gpu', 'node', 'wasm'].includes(values.backend)) throw new UsageError(`--backend must be node-gpu, node or wasm; got '${values.backend}'`);
  const bar = progressBar();
  const log = process.stderr.isTTY ? () => {} : (m: string) => process.stderr.write(`${m}\n`);
  const t0 = performance.now();
  try {
    const r = await runCompressJob({ spec: spec as CompressSpecInput, outDir: values.out, prefer: values.backend as 'node-gpu' | 'node' | 'wasm' | undefined, onProgress: bar.onProgress, log });
    bar.stop();
    const gate = r.report.gate as { passed: boolean; decision: 'point' | 'ci'; split: string; checks: { name: string; passed: boolean; detail: string }[] };
    const search = r.report.search as { candidates: Candidate[]; chosen: string; reason: string };
    out([
      `teacher  ${(r.report.stages[0].bytes / 1e6).toFixed(3).padStart(8)} MB  test AUC ${r.report.stages[0].test.auc.toFixed(4)}  accuracy ${(r.report.stages[0].test.accuracy * 100).toFixed(2)} %`,
      ...candidateTableText(search.candidates, search.chosen),
      `chosen: ${search.chosen} — ${search.reason}`,
      `gate: ${gate.passed ? 'PASSED' : 'FAILED'} (decided by ${gate.decision === 'ci' ? '95 % CI bounds' : 'point estimates'} on the ${gate.split} split)${gate.passed ? '' : ' — ' + gate.checks.filter((c) => !c.passed).map((c) => c.detail).join('; ')}`,
      r.cachedStages.length ? `cached stages: ${r.cachedStages.join(', ')}` : '',
      `model:  ${r.modelPath}`,
      `report: ${r.reportPath} (and report.md) — ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    ].filter(Boolean).join('\n') + '\n');
    return !gate.passed && values['require-gate'] ? 3 : 0;
  } finally {
    bar.stop();
  }
}
