/** @medslim/prune — structured channel pruning of MobileNetV2-family students with sensitivity analysis. */
/** Channel importance (L1 × |γ|) and prunable blocks. */
export { channelImportance, topChannels, prunableBlocks } from './rank.ts';
/** Rebuild a thinner student with kept weights copied; parameter count by formula. */
export { pruneStudent, keptChannels, studentParamCount } from './rebuild.ts';
/** Per-block sensitivity analysis. */
export { sensitivityAnalysis, SENSITIVITY_RATIOS, type SensitivityRow, type SensitivityTable } from './sensitivity.ts';
/** Ratio selection for a parameter-reduction target. */
export { choosePruneRatios, maxParamReduction, type PrunePlan } from './select.ts';
/** Errors: one class, stable codes. */
export { PruneError } from './errors.ts';
