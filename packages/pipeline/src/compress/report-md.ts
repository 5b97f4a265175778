import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SearchReport } from '@medslim/contracts';
import type { SensitivityTable } from '@medslim/prune';
import type { GateResult } from '../gate.ts';
import { renderStagesMarkdown, type JobReport } from '../report.ts';
import { svgChart } from '../svg-chart.ts';
import { candidateTableMarkdown, type Candidate, type LayerSensitivity } from './search.ts';

/** Writes the report's SVG charts next to it and returns their file names. */
export function writeCompressCharts(dir: string, report: JobReport): { size: string; sensitivity: string; perClass: string; pareto: string } {
  const files = { size: 'size-vs-auc.svg', sensitivity: 'sensitivity.svg', perClass: 'per-class-sensitivity.svg', pareto: 'pareto.svg' };
  writeFileSync(join(dir, files.size), svgChart('Size vs test AUC per stage', 'model size (MB, log scale)', 'test AUC',
    report.stages.map((s) => ({ name: s.name, points: [[s.bytes / 1e6, s.test.auc]] as [number, number][], line: false })), { xLog: true }));
  const table = report.sensitivity as SensitivityTable;
  const blocks = [...new Set(table.rows.map((r) => r.block))];
  writeFileSync(join(dir, files.sensitivity), svgChart('Sensitivity: validation AUC with one block pruned (no retraining)', 'fraction of hidden channels pruned', 'validation AUC',
    blocks.map((b) => ({ name: `block ${b}`, points: [[0, table.baseline.auc], ...table.rows.filter((r) => r.block === b).map((r) => [r.ratio, r.auc] as [number, number])] }))));
  const chosen = (report.search as { chosen?: string } | undefined)?.chosen;
  const t = report.stages[0], q = report.stages.find((s) => s.name === chosen) ?? report.stages[report.stages.length - 1];
  writeFileSync(join(dir, files.perClass), svgChart(`Per-class sensitivity, ${t.name} vs ${q.name}`, 'class index', 'sensitivity',
    [t, q].map((s) => ({ name: s.name, points: s.test.perClass.map((c, i) => [i, c.sensitivity] as [number, number]) }))));
  return files;
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

/** The validation split's class counts (report.dataset) and the gate's sensitivity budget; null when the report lacks them. */
function valResolution(report: JobReport, gate: GateResult): ValidationResolution | undefined {
  const counts = (report.dataset as { splits?: { val?: { classCounts?: number[] } } } | undefined)?.splits?.val?.classCounts;
  return counts ? { labels: report.labels, classCounts: counts, sensitivityBudget: gate.budgets.sensitivity } : undefined;
}

/** report.md of the compress job. */
export function renderCompressMarkdown(report: JobReport, charts: { size: string; sensitivity: string; perClass: string; pareto: string }): string {
  const gate = report.gate as GateResult;
  const table = report.sensitivity as SensitivityTable;
  const pr = report.pruning as {
    plan: { ratios: number[]; predictedAucDrop: number }; paramsBefore: number; paramsAfter: number; paramsReduction: number; valBeforeFineTune: { auc: number }; valAfterFineTune: { auc: number };
    quantizedLevel?: string; stoppedAt?: string | null; levels?: { name: string; level: number; ratios: number[]; params: number; paramsReduction: number; valBeforeFineTune: { auc: number }; valAfterFineTune: { auc: number }; gateVal: { passed: boolean; failed: string[] } }[];
  };
  const levels = pr.levels ?? [];
  const tr = report.training as { backend: string; epochs: number; imagesPerSecond: number; seconds: number; bestEpoch: number };
  const search = report.search as unknown as { candidates: Candidate[]; chosen: string; reason: string; bestEffort: boolean; skipped: string[]; mixedPrecision: Record<string, { table: LayerSensitivity[]; keptFloat: string[]; passed: boolean; steps: { floatLayers: number; failed: string[] }[] }> };
  const t = report.stages[0];
  const q = report.stages.find((s) => s.name === search.chosen) ?? report.stages[report.stages.length - 1];
  const qz = report.quantization as { target?: string; measuredOn?: { note: string } } | undefined;
  const measured = qz?.measuredOn ? { target: qz.target ?? 'x86_64', note: qz.measuredOn.note } : null;
  const lines = [
    '# medslim compress report',
    '',
    `Created ${report.createdAt} by medslim ${report.medslimVersion}. Dataset sha256 \`${report.dataset.sha256}\`.`,
    '',
    `## Clinical safety gate: ${gate.passed ? '**PASSED**' : '**FAILED**'}`,
    '',
    `Decided by ${gate.decision === 'ci' ? 'the 95 % bootstrap intervals (the whole interval must be inside each budget)' : 'the point estimates'} on the ${gate.split} split.`,
    '',
    `Returned model: **${q.name}** (model.onnx), ${(t.bytes / q.bytes).toFixed(0)}× smaller than the teacher (${(q.bytes / 1e6).toFixed(3)} MB vs ${(t.bytes / 1e6).toFixed(2)} MB) — ${search.reason}. The gate below is its confirmation on the test split. ${gate.rationale}`,
    '',
    '| check | value | 95 % CI | budget | result |',
    '|---|---|---|---|---|',
    ...gate.checks.map((c) => `| ${c.name} | ${c.value.toFixed(4)} | ${c.ci95[0].toFixed(4)} – ${c.ci95[1].toFixed(4)} | ${c.kind === 'max' ? '≤' : '≥'} ${c.budget} | ${c.passed ? 'pass' : `**fail**${Number.isFinite(c.value) ? '' : ': ' + c.detail}`} |`),
    '',
    ...(measured ? [`Serving target: ${measured.target}. ${measured.note}.`, ''] : []),
    ...choiceMarkdown(report.search as unknown as SearchReport, t.bytes, valResolution(report, gate)),
    '## Search (chosen on validation, confirmed on test)',
    '',
    candidateTableMarkdown(search.candidates, search.chosen),
    '',
    ...(search.skipped.length ? [`Skipped: ${search.skipped.join('; ')}.`, ''] : []),
    ...calibrationLines(report),
    `![Pareto: bytes vs worst per-class sensitivity drop](${charts.pareto})`,
    '',
    ...Object.entries(search.mixedPrecision).flatMap(([name, m]) => [
      `### Mixed precision: ${name}`,
      '',
      `INT8 error per layer (validation logits with only that layer quantized); the most sensitive kept in float: ${m.keptFloat.join(', ') || 'none'} — gate on validation ${m.passed ? 'passes' : 'still fails'} (steps: ${m.steps.map((st) => `${st.floatLayers} float → ${st.failed.length ? 'fails ' + st.failed.join(', ') : 'passes'}`).join('; ')}).`,
      '',
      '| layer | op | logit RMSE | top-1 agreement with float |',
      '|---|---|---|---|',
      ...[...m.table].sort((a, b) => b.logitRmse - a.logitRmse).map((r) => `| ${r.node} | ${r.opType} | ${r.logitRmse.toFixed(4)} | ${(r.agreement * 100).toFixed(1)} % |`),
      '',
    ]),
    '## Stages (test split)',
    '',
    renderStagesMarkdown(report),
    `![size vs AUC](${charts.size}) ![per-class sensitivity](${charts.perClass})`,
    '',
    '## Distillation',
    '',
    `${tr.epochs} epochs on ${tr.backend} at ${tr.imagesPerSecond.toFixed(1)} images/s (${(tr.seconds / 60).toFixed(1)} min); best epoch ${tr.bestEpoch} by validation AUC.`,
    '',
    '## Pruning',
    '',
    ...(levels.length > 1 ? [
      `Iterative path: each level prunes the previous level's fine-tuned student further, then KD fine-tuning, calibration and the gate on validation; ${pr.stoppedAt ? `it stopped at ${pr.stoppedAt}, the first level that failed` : 'every level passed'}. INT8 (\`int8\`) was made from ${pr.quantizedLevel}.`,
      '',
      '| level | target | per-block ratios (of the student\'s channels) | params | removed | val AUC before → after fine-tuning | gate (val) |',
      '|---|---|---|---|---|---|---|',
      ...levels.map((l) => `| ${l.name} | ${pct(l.level)} | ${JSON.stringify(l.ratios)} | ${l.params.toLocaleString('en-US')} | ${pct(l.paramsReduction)} | ${l.valBeforeFineTune.auc.toFixed(4)} → ${l.valAfterFineTune.auc.toFixed(4)} | ${l.gateVal.passed ? 'pass' : `fail: ${l.gateVal.failed.join(', ')}`} |`),
      '',
      `${pr.quantizedLevel}:`,
    ] : []),
    `Per-block ratios ${JSON.stringify(pr.plan.ratios)} remove ${pct(pr.paramsReduction)} of the student's parameters (${pr.paramsBefore.toLocaleString('en-US')} → ${pr.paramsAfter.toLocaleString('en-US')}); predicted validation AUC loss ${pr.plan.predictedAucDrop.toFixed(4)}; measured ${pr.valBeforeFineTune.auc.toFixed(4)} before and ${pr.valAfterFineTune.auc.toFixed(4)} after fine-tuning.`,
    '',
    `Sensitivity analysis (validation, one block pruned at a time, no retraining; unpruned AUC ${table.baseline.auc.toFixed(4)}):`,
    '',
    '| block | hidden | ratio | kept | params removed | val AUC | AUC drop | val accuracy |',
    '|---|---|---|---|---|---|---|---|',
    ...table.rows.map((r) => `| ${r.block} | ${r.hidden} | ${r.ratio} | ${r.kept} | ${r.paramsRemoved} | ${r.auc.toFixed(4)} | ${r.aucDrop.toFixed(4)} | ${pct(r.accuracy)} |`),
    '',
    `![sensitivity](${charts.sensitivity})`,
    '',
  ];
  const changes = (report.changes ?? []) as { index: number; trueLabel: string; teacher: string; compressed: string; effect: string }[];
  lines.push(`## Predictions that changed (teacher → ${q.name})`, '');
  if (!changes.length) lines.push('None.', '');
  else {
    lines.push(`${changes.length} test image(s) (list capped at 100):`, '', `| test index | true class | teacher | ${q.name} | effect |`, '|---|---|---|---|---|');
    for (const c of changes) lines.push(`| ${c.index} | ${c.trueLabel} | ${c.teacher} | ${c.compressed} | ${c.effect} |`);
    lines.push('');
  }
  return lines.join('\n');
}

const gateText = (g: { passed: boolean; failed: string[] }) => (g.passed ? 'passes' : `fails ${g.failed.join(', ')}`);

/**
 * report.md's "Why this model": which candidate the search returned and why, how its gate came out on the test
 * split (which does not choose), and — when the INT8 teacher is returned because no student passes, or nothing
 * passes at all (best effort) — the closest student and the checks it failed on validation and on test (closest:
 * fewest failed checks on validation, then the smallest worst per-class sensitivity drop there, then bytes; the
 * rule of chooseCandidate), and, when `val` is given and a class has so few validation images that one of them moves
 * its sensitivity by more than the budget, that this check then tolerates no extra missed image of that class.
 * Returns markdown lines (a heading, paragraphs, blank lines between).
 * @param teacherBytes the float teacher's size in bytes, for the size ratios.
 */
export function choiceMarkdown(search: SearchReport, teacherBytes: number, val?: ValidationResolution): string[] {
  const byName = new Map(search.candidates.map((c) => [c.name, c]));
  const c = byName.get(search.chosen);
  if (!c) throw new Error(`choiceMarkdown: the chosen candidate '${search.chosen}' is not among the candidates`);
  const ratio = (x: Candidate) => `${x.bytes.toLocaleString('en-US')} bytes, 1/${Math.round(teacherBytes / x.bytes)} of the teacher`;
  const students = search.candidates.filter((x) => x.kind !== 'teacher-int8');
  const widths = [...new Set(students.map((x) => x.width).filter((w): w is number => w !== null))];
  const lines = ['## Why this model', ''];
  if (search.bestEffort) {
    lines.push(`**Best effort: no candidate passes the gate on validation${search.candidates.some((x) => x.gateVal.passed) ? ' within the constraints' : ''}.** The job returns the closest one, **${c.name}** (${ratio(c)}), which on validation ${gateText(c.gateVal)}${c.constraintsFailed.length ? ` and breaks ${c.constraintsFailed.join(', ')}` : ''}; on test it ${gateText(c.gateTest)}. Do not deploy it without a clinical review of those checks.`, '');
  } else {
    lines.push(`**${c.name}** (${ratio(c)}) is the smallest candidate whose gate passes on validation${search.candidates.some((x) => x.constraintsFailed.length) ? ' within the constraints' : ''}; on test it ${gateText(c.gateTest)} (the test split confirms, it does not choose).`, '');
  }
  const closest = search.closestStudent ? byName.get(search.closestStudent.name) : undefined;
  if (c.kind === 'teacher-int8' && !students.some((x) => x.gateVal.passed)) {
    const kinds = (['student', 'pruned', 'int8'] as const).filter((k) => students.some((x) => x.kind === k)).map((k) => ({ student: 'float', pruned: 'pruned', int8: 'INT8' })[k]);
    lines.push(`No student passes the gate on validation (${students.length} student candidate${students.length === 1 ? '' : 's'} explored: width${widths.length === 1 ? '' : 's'} ${widths.join(', ')}; ${kinds.join(', ')})${search.bestEffort ? '' : ', so the INT8 teacher (post-training quantization of the teacher itself) is returned'}.${closest ? ` The closest student (fewest failed checks on validation, then the smallest worst per-class sensitivity drop) is **${closest.name}** (${ratio(closest)}): on validation it ${gateText(closest.gateVal)}; on test it ${gateText(closest.gateTest)}.` : ''}`, '');
  }
  if (val && search.candidates.some((x) => x.gateVal.failed.some((f) => f.startsWith('sensitivity_drop[')))) {
    const coarse = val.labels.map((label, j) => ({ label, n: val.classCounts[j] })).filter((x) => x.n > 0 && 1 / x.n > val.sensitivityBudget);
    if (coarse.length) {
      lines.push(`The validation split is small: ${coarse.map((x) => `one of its ${x.n} ${x.label} images is ${(100 / x.n).toFixed(1)} points of ${x.label} sensitivity`).join(', ')} — more than the ${(val.sensitivityBudget * 100).toFixed(1)}-point budget, so a candidate passes that check only if it misses no more of those images than the teacher does.`, '');
    }
  }
  return lines;
}

/** Per-class image counts of the validation split and the gate's sensitivity budget (fraction), for choiceMarkdown. */
export interface ValidationResolution {
  labels: string[];
  classCounts: number[];
  sensitivityBudget: number;
}

/** The students' calibration on validation (temperature and decision offsets), and what it means for the validation gate. */
function calibrationLines(report: JobReport): string[] {
  const temps = (report as { temperatureScaling?: { temperatures: Record<string, number> } }).temperatureScaling?.temperatures ?? {};
  const dc = (report as { decisionCalibration?: { students: Record<string, { offsets: number[]; countsBefore: number[]; countsAfter: number[] }> } }).decisionCalibration?.students ?? {};
  const names = [...new Set([...Object.keys(temps), ...Object.keys(dc)])];
  if (names.length === 0) return [];
  const parts = names.map((n) => `${n}: T = ${(temps[n] ?? 1).toFixed(3)}${dc[n] ? `, offsets [${dc[n].offsets.map((x) => x.toFixed(3)).join(', ')}], predicted-class counts ${dc[n].countsBefore.join('/')} → ${dc[n].countsAfter.join('/')}` : ''}`);
  return [
    `Students calibrated on the validation split and folded into the last layer (no run-time cost): ${parts.join('; ')}.${Object.keys(dc).length ? ' The offsets make each student predict every class as often as the teacher does on validation, so the validation gate is measured on the split they were fitted on; the test gate is the independent confirmation.' : ''}`,
    '',
  ];
}
