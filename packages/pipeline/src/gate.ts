import { type GateBudgets, type GateCheck, type GateDecision, type GateResult } from '@medslim/contracts';
import { argmax, bootstrapCis, expectedCalibrationError, logOdds, perClassRates, rocAuc, softmax } from '@medslim/eval';

/** Budgets, checks, the decision rule and the verdict: schemas in @medslim/contracts (reports.ts). */
export type { GateBudgets, GateCheck, GateDecision, GateResult } from '@medslim/contracts';

/**
 * The clinical safety gate: a compressed model is promotable only if, on the test split and against the
 * teacher, its AUC drop, every class's sensitivity drop and its ECE increase stay within budget and its top-1
 * agreement stays above budget. Each check carries a paired 95 % bootstrap interval (1000 seeded resamples of
 * test images, teacher and candidate scored on the same resample). `decision` says what decides: the point
 * estimate (default) or the interval's far end (see GateDecision). Compression can hurt minority classes first
 * while overall accuracy barely moves (Hooker et al. 2019, "What do compressed deep neural networks forget?"),
 * hence one check per class.
 * AUC ranks by float64 log-odds of the logits (rocAucFromLogits: float32 probabilities tie confident rows).
 * A value that cannot be measured — a class absent from the split (sensitivity 0/0), AUC on one class — is NaN
 * and **fails** its check with a reason: a gate that cannot see a class cannot vouch for it.
 * Logits are [N, K] row-major; labels int32 [N].
 */
export function clinicalGate(teacherLogits: Float32Array, candidateLogits: Float32Array, labels: Int32Array, k: number, labelNames: string[], budgets: GateBudgets, opts: { seed?: number; iterations?: number; candidate?: string; decision?: GateDecision; split?: string } = {}): GateResult {
  const n = labels.length;
  const decision = opts.decision ?? 'point';
  const split = opts.split ?? 'test';
  const pt = softmax(teacherLogits, n, k);
  const ps = softmax(candidateLogits, n, k);
  const lt = logOdds(teacherLogits, n, k);
  const ls = logOdds(candidateLogits, n, k);
  const yt = argmax(teacherLogits, n, k);
  const ys = argmax(candidateLogits, n, k);
  const stats = (idx: Int32Array | null): number[] => {
    const take = <T extends Float32Array | Float64Array | Int32Array>(a: T, width: number): T => {
      if (!idx) return a;
      const out = new (a.constructor as { new (n: number): T })(idx.length * width);
      for (let i = 0; i < idx.length; i++) for (let j = 0; j < width; j++) out[i * width + j] = a[idx[i] * width + j];
      return out;
    };
    const y = take(labels, 1);
    const a = take(pt, k), b = take(ps, k), ta = take(yt, 1), tb = take(ys, 1);
    const m = y.length;
    let agree = 0;
    for (let i = 0; i < m; i++) if (ta[i] === tb[i]) agree++;
    const st = perClassRates(ta, y, k), ss = perClassRates(tb, y, k);
    return [
      rocAuc(take(lt, k), y, k) - rocAuc(take(ls, k), y, k),
      expectedCalibrationError(b, y, k) - expectedCalibrationError(a, y, k),
      agree / m,
      ...st.map((r, c) => r.sensitivity - ss[c].sensitivity),
    ];
  };
  const point = stats(null);
  const cis = bootstrapCis(n, (idx) => stats(idx), { iterations: opts.iterations ?? 1000, seed: opts.seed ?? 0 });
  const ci = (i: number): [number, number] => [cis[i].low, cis[i].high];
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  const support = new Int32Array(k);
  for (let i = 0; i < n; i++) support[labels[i]]++;
  const check = (name: string, kind: 'max' | 'min', i: number, budget: number, describe: string, undefinedWhy: string): GateCheck => {
    const value = point[i];
    const interval = ci(i);
    // The estimate that decides: for 'max' checks the interval's upper end, for 'min' its lower end.
    const decisive = decision === 'ci' ? (kind === 'max' ? interval[1] : interval[0]) : value;
    if (!Number.isFinite(value) || !Number.isFinite(decisive)) {
      return { name, kind, value, budget, ci95: interval, passed: false, detail: `${describe}: cannot be measured on the ${split} split (${undefinedWhy}) — fails` };
    }
    const passed = kind === 'max' ? decisive <= budget : decisive >= budget;
    return { name, kind, value, budget, ci95: interval, passed, detail: decision === 'ci' ? `${describe}; 95 % CI ${kind === 'max' ? 'upper' : 'lower'} bound ${fmt(name, decisive)} decides` : describe };
  };
  const fmt = (name: string, x: number) => (name === 'auc_drop' || name === 'ece_increase' ? x.toFixed(4) : pct(x));
  const checks: GateCheck[] = [
    check('auc_drop', 'max', 0, budgets.auc, `${split} AUC drop ${point[0].toFixed(4)} (budget ≤ ${budgets.auc})`, 'AUC needs both classes present'),
    ...labelNames.map((label, c): GateCheck => check(`sensitivity_drop[${label}]`, 'max', 3 + c, budgets.sensitivity,
      `sensitivity of '${label}' drops ${pct(point[3 + c])} (budget ≤ ${pct(budgets.sensitivity)})`,
      support[c] === 0 ? `no '${label}' images in it; a split must hold every class` : 'undefined for the resamples')),
    check('ece_increase', 'max', 1, budgets.ece, `ECE increase ${point[1].toFixed(4)} (budget ≤ ${budgets.ece})`, 'undefined'),
    check('agreement', 'min', 2, budgets.agreement, `top-1 agreement with the teacher ${pct(point[2])} (budget ≥ ${pct(budgets.agreement)})`, 'undefined'),
  ];
  return {
    passed: checks.every((c) => c.passed),
    candidate: opts.candidate ?? 'int8',
    decision,
    split,
    budgets,
    checks,
    rationale: 'Compression can fail minority classes first while overall accuracy barely moves (Hooker et al. 2019); each class is checked on its own.',
  };
}
