import { argmax, bootstrapCis, expectedCalibrationError, perClassRates, rocAuc, softmax } from '@medslim/eval';

/** Budgets of the clinical safety gate; all in [0, 1]. */
export interface GateBudgets {
  /** Largest allowed test AUC drop vs the teacher (default 0.01). */
  auc: number;
  /** Largest allowed drop of any class's sensitivity vs the teacher (default 0.03). */
  sensitivity: number;
  /** Largest allowed ECE increase vs the teacher (default 0.02). */
  ece: number;
  /** Smallest allowed top-1 agreement with the teacher (default 0.95). */
  agreement: number;
}

export const defaultGateBudgets: GateBudgets = { auc: 0.01, sensitivity: 0.03, ece: 0.02, agreement: 0.95 };

export interface GateCheck {
  name: string;
  /** What is compared: 'drop' and 'increase' must be ≤ budget; 'agreement' must be ≥ budget. */
  kind: 'max' | 'min';
  value: number;
  budget: number;
  /** Paired 95 % bootstrap CI of `value` (same resamples for teacher and candidate). */
  ci95: [number, number];
  passed: boolean;
  /** One line a reviewer reads. */
  detail: string;
}

export interface GateResult {
  passed: boolean;
  candidate: string;
  budgets: GateBudgets;
  checks: GateCheck[];
  /** Why this gate exists. */
  rationale: string;
}

/**
 * The clinical safety gate: a compressed model is promotable only if, on the test split and against the
 * teacher, its AUC drop, every class's sensitivity drop and its ECE increase stay within budget and its top-1
 * agreement stays above budget. Each check carries a paired 95 % bootstrap interval (1000 seeded resamples of
 * test images, teacher and candidate scored on the same resample). Pass/fail uses the point estimates; the
 * interval shows how sure that is on a small test split. Compression can hurt minority classes first while
 * overall accuracy barely moves (Hooker et al. 2019, "What do compressed deep neural networks forget?"), hence
 * one check per class.
 * Logits are [N, K] row-major; labels int32 [N].
 */
export function clinicalGate(teacherLogits: Float32Array, candidateLogits: Float32Array, labels: Int32Array, k: number, labelNames: string[], budgets: GateBudgets, opts: { seed?: number; iterations?: number; candidate?: string } = {}): GateResult {
  const n = labels.length;
  const pt = softmax(teacherLogits, n, k);
  const ps = softmax(candidateLogits, n, k);
  const yt = argmax(teacherLogits, n, k);
  const ys = argmax(candidateLogits, n, k);
  const stats = (idx: Int32Array | null): number[] => {
    const take = <T extends Float32Array | Int32Array>(a: T, width: number): T => {
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
      rocAuc(a, y, k) - rocAuc(b, y, k),
      expectedCalibrationError(b, y, k) - expectedCalibrationError(a, y, k),
      agree / m,
      ...st.map((r, c) => r.sensitivity - ss[c].sensitivity),
    ];
  };
  const point = stats(null);
  const cis = bootstrapCis(n, (idx) => stats(idx), { iterations: opts.iterations ?? 1000, seed: opts.seed ?? 0 });
  const ci = (i: number): [number, number] => [cis[i].low, cis[i].high];
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  const checks: GateCheck[] = [
    { name: 'auc_drop', kind: 'max', value: point[0], budget: budgets.auc, ci95: ci(0), passed: point[0] <= budgets.auc, detail: `test AUC drop ${point[0].toFixed(4)} (budget ≤ ${budgets.auc})` },
    ...labelNames.map((label, c): GateCheck => ({
      name: `sensitivity_drop[${label}]`, kind: 'max', value: point[3 + c], budget: budgets.sensitivity, ci95: ci(3 + c),
      passed: !(point[3 + c] > budgets.sensitivity), detail: `sensitivity of '${label}' drops ${pct(point[3 + c])} (budget ≤ ${pct(budgets.sensitivity)})`,
    })),
    { name: 'ece_increase', kind: 'max', value: point[1], budget: budgets.ece, ci95: ci(1), passed: point[1] <= budgets.ece, detail: `ECE increase ${point[1].toFixed(4)} (budget ≤ ${budgets.ece})` },
    { name: 'agreement', kind: 'min', value: point[2], budget: budgets.agreement, ci95: ci(2), passed: point[2] >= budgets.agreement, detail: `top-1 agreement with the teacher ${pct(point[2])} (budget ≥ ${pct(budgets.agreement)})` },
  ];
  return {
    passed: checks.every((c) => c.passed),
    candidate: opts.candidate ?? 'int8',
    budgets,
    checks,
    rationale: 'Compression can fail minority classes first while overall accuracy barely moves (Hooker et al. 2019); each class is checked on its own.',
  };
}
