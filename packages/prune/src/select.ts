import { hiddenChannels, type StudentConfig } from '@medslim/distill';
import { PruneError } from './errors.ts';
import { prunableBlocks } from './rank.ts';
import { keptChannels, studentParamCount } from './rebuild.ts';
import type { SensitivityTable } from './sensitivity.ts';

export interface PrunePlan {
  ratios: number[];
  /** Predicted validation AUC loss: the sum of each chosen block's drop in the sensitivity table. */
  predictedAucDrop: number;
  /** Achieved fraction of the student's parameters removed (exact, from the parameter-count formula). */
  reduction: number;
  params: number;
}

/** The most parameters (fraction) this student can lose with every prunable block at `maxRatio`, keeping ≥ minChannels. */
export function maxParamReduction(config: StudentConfig, minChannels = 8, maxRatio = 0.75): number {
  const base = studentParamCount(config);
  const blocks = config.blocks.map((b, i) => (prunableBlocks(config).includes(i) ? { ...b, hidden: keptChannels(hiddenChannels(b), maxRatio, minChannels) } : b));
  return 1 - studentParamCount({ ...config, blocks }) / base;
}

/**
 * Chooses per-block ratios that remove at least `paramsReduction` (a fraction in [0, 1)) of the student's
 * parameters with the least predicted loss. Greedy on the sensitivity table: start unpruned; repeatedly move
 * the block whose next ratio costs the least predicted AUC per parameter removed, until the target is met.
 * Drops add up across blocks (the usual independence assumption of sensitivity-based pruning).
 * @param opts.minChannels fewest hidden channels a block keeps (default 8)
 * @throws PruneError TARGET_UNREACHABLE when even the largest ratios cannot reach the target, naming the most
 *   that can be reached — checked before any work.
 */
export function choosePruneRatios(config: StudentConfig, table: SensitivityTable, paramsReduction: number, opts: { minChannels?: number } = {}): PrunePlan {
  const minChannels = opts.minChannels ?? 8;
  const ratios = [...new Set(table.rows.map((r) => r.ratio))].sort((a, b) => a - b);
  const baseParams = table.baseline.params;
  const savings = (b: number, r: number) => table.rows.find((x) => x.block === b && x.ratio === r)!.paramsRemoved;
  const total = baseParams;
  const need = paramsReduction * total;
  const blocks = [...new Set(table.rows.map((r) => r.block))];
  const level = new Map<number, number>(blocks.map((b) => [b, -1]));
  const drop = (b: number, li: number) => (li < 0 ? 0 : Math.max(0, table.rows.find((x) => x.block === b && x.ratio === ratios[li])!.aucDrop));
  const saved = (b: number, li: number) => (li < 0 ? 0 : savings(b, ratios[li]));
  let removed = 0;
  while (removed < need) {
    let best: { b: number; cost: number; gain: number } | null = null;
    for (const b of blocks) {
      const li = level.get(b)!;
      if (li + 1 >= ratios.length) continue;
      const gain = saved(b, li + 1) - saved(b, li);
      if (gain <= 0) continue;
      const cost = (drop(b, li + 1) - drop(b, li) + 1e-6) / gain;
      if (!best || cost < best.cost) best = { b, cost, gain };
    }
    if (!best) {
      throw new PruneError('TARGET_UNREACHABLE', `a parameter reduction of ${(paramsReduction * 100).toFixed(0)} % would leave blocks with fewer than ${minChannels} hidden channels; with ratios up to ${ratios.at(-1)} this student allows at most ${((removed / total) * 100).toFixed(1)} % — lower --target-params-reduction`);
    }
    level.set(best.b, level.get(best.b)! + 1);
    removed += best.gain;
  }
  const out = config.blocks.map((_, i) => (level.has(i) && level.get(i)! >= 0 ? ratios[level.get(i)!] : 0));
  const blocksCfg = config.blocks.map((b, i) => (out[i] > 0 ? { ...b, hidden: keptChannels(hiddenChannels(b), out[i], minChannels) } : b));
  const params = studentParamCount({ ...config, blocks: blocksCfg });
  return {
    ratios: out,
    predictedAucDrop: blocks.reduce((a, b) => a + drop(b, level.get(b)!), 0),
    reduction: 1 - params / baseParams,
    params,
  };
}
