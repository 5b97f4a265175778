/** The dataset section of a report. */
import type { Dataset, SplitName } from './dataset.ts';
import { classCounts } from './labels.ts';

/** Per-split size and class balance. */
export interface SplitSummary {
  /** Number of images. */
  count: number;
  /** `classCounts[k]` = images with label k, for k in [0, numClasses). */
  classCounts: number[];
}

/** The report's `dataset` field. */
export interface DatasetSummary {
  /** SHA-256 hex of the .npz file (the dataset fingerprint). */
  sha256: string;
  /** Summary of each split present. */
  splits: Partial<Record<SplitName, SplitSummary>>;
}

/**
 * Summarize a dataset for a report: fingerprint plus per-split image count and
 * class counts (array of length `ds.numClasses`). Pure; no I/O.
 */
export function datasetSummary(ds: Dataset): DatasetSummary {
  const splits: Partial<Record<SplitName, SplitSummary>> = {};
  for (const s of ['train', 'val', 'test'] as const) {
    const split = ds.splits[s];
    if (split) splits[s] = { count: split.count, classCounts: classCounts(split.labels, ds.numClasses) };
  }
  return { sha256: ds.sha256, splits };
}
