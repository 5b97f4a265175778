import type { SensitivityRow, SensitivityTable } from '@medslim/contracts';
import { disposeStudent, hiddenChannels, type StudentConfig, type StudentParams } from '@medslim/distill';
import { prunableBlocks } from './rank.ts';
import { keptChannels, pruneStudent, studentParamCount } from './rebuild.ts';

/** Ratios the sensitivity analysis tries per block. */
export const SENSITIVITY_RATIOS = [0.25, 0.5, 0.75] as const;

/** The table's schema is in @medslim/contracts (it is `sensitivity.json` and a section of report.json). */
export type { SensitivityRow, SensitivityTable } from '@medslim/contracts';

/**
 * Per-block sensitivity analysis (Li et al. 2017, §3.2): prune one block alone at each ratio, without
 * retraining, and measure validation AUC and accuracy with `evaluate`. Tells which blocks tolerate pruning.
 */
export async function sensitivityAnalysis(
  config: StudentConfig,
  params: StudentParams,
  evaluate: (c: StudentConfig, p: StudentParams) => Promise<{ auc: number; accuracy: number }> | { auc: number; accuracy: number },
  opts: { ratios?: readonly number[]; minChannels?: number; onRow?: (row: SensitivityRow, done: number, total: number) => void } = {},
): Promise<SensitivityTable> {
  const ratios = opts.ratios ?? SENSITIVITY_RATIOS;
  const minChannels = opts.minChannels ?? 8;
  const base = await evaluate(config, params);
  const baseParams = studentParamCount(config);
  const blocks = prunableBlocks(config);
  const rows: SensitivityRow[] = [];
  const total = blocks.length * ratios.length;
  for (const b of blocks) {
    for (const r of ratios) {
      const ratiosVec = config.blocks.map((_, i) => (i === b ? r : 0));
      const pruned = pruneStudent(config, params, ratiosVec, minChannels);
      const m = await evaluate(pruned.config, pruned.params);
      const p = studentParamCount(pruned.config);
      const row: SensitivityRow = {
        block: b, ratio: r, hidden: hiddenChannels(config.blocks[b]), kept: keptChannels(hiddenChannels(config.blocks[b]), r, minChannels),
        params: p, paramsRemoved: baseParams - p, auc: m.auc, accuracy: m.accuracy, aucDrop: base.auc - m.auc, accuracyDrop: base.accuracy - m.accuracy,
      };
      rows.push(row);
      disposeStudent(pruned.params);
      opts.onRow?.(row, rows.length, total);
    }
  }
  return { baseline: { params: baseParams, auc: base.auc, accuracy: base.accuracy }, rows };
}
