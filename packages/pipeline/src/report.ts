import type { JobReport, ModelInterface } from '@medslim/contracts';

/** report.json and its stages: the schemas are in @medslim/contracts (reports.ts). */
export type { JobReport, StageReport } from '@medslim/contracts';
/** Batch-1 latency of one model through onnxruntime-node, ms (see `@medslim/eval` benchmarkLatency). */
export type LatencySummary = JobReport['stages'][number]['latencyMs'];

const pct = (x: number | null | undefined, digits = 1) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : `${(x * 100).toFixed(digits)} %`);
const num = (x: number | null | undefined, digits = 3) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits));
const ci = (c: [number, number] | null | undefined, f: (x: number) => string) => (c && !Number.isNaN(c[0]) ? ` (${f(c[0])}–${f(c[1])})` : '');
const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;

/** Replaces NaN and ±Infinity by null so the report is valid JSON with honest gaps. */
export function toJson(report: JobReport): string {
  return JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}

/**
 * report.md: the report as tables an engineer who answers to clinicians can read — size, discrimination
 * (AUC), accuracy, calibration (ECE), agreement with the teacher, per-class sensitivity and specificity
 * with 95 % bootstrap intervals, and latency.
 */
export function renderStagesMarkdown(report: JobReport): string {
  const base = report.stages[0];
  const lines: string[] = [];
  lines.push('| stage | size | vs teacher | params | test AUC (95 % CI) | accuracy (95 % CI) | ECE | agreement with teacher | p50 / p95 / p99 ms (batch 1) | images/s (batch ' + base.throughputBatch + ') |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const s of report.stages) {
    lines.push(
      `| ${s.name} | ${mb(s.bytes)} (${s.bytes.toLocaleString('en-US')} B) | ${(s.bytes / base.bytes).toFixed(3)}× | ${s.params.toLocaleString('en-US')} | ` +
        `${num(s.test.auc, 4)}${ci(s.test.ci95.auc, (x) => num(x, 3))} | ${pct(s.test.accuracy)}${ci(s.test.ci95.accuracy, (x) => pct(x))} | ` +
        `${num(s.test.ece, 3)} | ${pct(s.test.agreement)} | ${num(s.latencyMs.p50, 2)} / ${num(s.latencyMs.p95, 2)} / ${num(s.latencyMs.p99, 2)} | ${s.imagesPerSecond.toFixed(0)} |`,
    );
  }
  lines.push('');
  lines.push('Per-class sensitivity (recall of that class) and specificity, test split, 95 % bootstrap CI for sensitivity:');
  lines.push('');
  lines.push('| class | support | ' + report.stages.map((s) => `${s.name} sensitivity | ${s.name} specificity`).join(' | ') + ' |');
  lines.push('|---|---|' + report.stages.map(() => '---|---|').join(''));
  const k = base.test.perClass.length;
  for (let c = 0; c < k; c++) {
    const cells = report.stages.map((s) => `${pct(s.test.perClass[c].sensitivity)}${ci(s.test.ci95.sensitivity[c], (x) => pct(x, 0))} | ${pct(s.test.perClass[c].specificity)}`);
    lines.push(`| ${base.test.perClass[c].label} | ${base.test.perClass[c].support} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  for (const s of report.stages) {
    lines.push(`Confusion matrix, ${s.name} (rows: true class, columns: predicted):`);
    lines.push('');
    lines.push('| true \\ predicted | ' + base.test.perClass.map((p) => p.label).join(' | ') + ' |');
    lines.push('|---|' + base.test.perClass.map(() => '---|').join(''));
    s.test.confusion.forEach((row, i) => lines.push(`| ${base.test.perClass[i].label} | ${row.join(' | ')} |`));
    lines.push('');
  }
  return lines.join('\n');
}

const SOURCE_WORDS: Record<string, string> = {
  explicit: 'given explicitly (flags / job spec)',
  metadata: "the model's metadata",
  graph: "the model's graph",
  evidence: 'validation evidence',
  none: 'not given (classes named by index)',
};

/**
 * report.md section: how the teacher was read — input (name, type, layout, batch, C×H×W), class-score output
 * and kind, the preprocessing contract, where each came from, and the evidence table when evidence settled
 * the contract. Empty when the report has no `interface`.
 */
export function renderInterfaceMarkdown(report: JobReport): string {
  const i = report.interface as ModelInterface | undefined;
  if (!i) return '';
  const c = i.contract;
  const lines = [
    '## How the teacher was read',
    '',
    `- Input '${i.input.name}': ${i.input.dtype} ${i.input.layout}, batch ${i.input.batch ?? 'dynamic'}, ${i.input.channels}×${i.input.height ?? '?'}×${i.input.width ?? '?'} — layout from ${SOURCE_WORDS[i.sources.layout]}.`,
    `- Class scores: output '${i.output.name}' (${i.output.dtype}, K = ${i.output.numClasses ?? '?'}), read as ${i.output.kind} — output chosen from ${SOURCE_WORDS[i.sources.output]}, kind from ${SOURCE_WORDS[i.sources.kind]}.`,
    `- Preprocessing contract: value = (pixel × ${c.scale === 1 / 255 ? '1/255' : c.scale} − [${c.mean.join(', ')}]) / [${c.std.join(', ')}] — from ${SOURCE_WORDS[i.sources.contract]}.`,
    `- Class names from ${SOURCE_WORDS[i.sources.labels]}.`,
    '',
  ];
  const e = i.evidence;
  if (e) {
    lines.push(`Evidence: the teacher on ${e.images} validation images under each candidate contract (majority class ${(e.majorityRate * 100).toFixed(2)} %). Rule: ${e.rule}.`, '');
    lines.push('| candidate | scale | mean | std | correct | accuracy |', '|---|---|---|---|---|---|');
    for (const r of e.candidates) {
      lines.push(`| ${r.name}${r.name === e.adopted ? ' (adopted)' : ''} | ${r.contract.scale === 1 / 255 ? '1/255' : r.contract.scale} | ${r.contract.mean.join(', ')} | ${r.contract.std.join(', ')} | ${r.correct} | ${(r.accuracy * 100).toFixed(2)} % |`);
    }
    lines.push('', `Margin over the runner-up ${(e.marginOverRunnerUp * 100).toFixed(2)} points (McNemar p = ${e.pValueVsRunnerUp.toPrecision(3)}); over the majority class ${(e.marginOverMajority * 100).toFixed(2)} points (binomial p = ${e.pValueVsMajority.toPrecision(3)}).`, '');
  }
  return lines.join('\n');
}
