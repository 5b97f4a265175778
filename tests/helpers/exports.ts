/**
 * The real-world export fixtures of issue 12 (tests/fixtures/exports, built by make-exports.py) and their
 * manifest: one typed reader so every test consumes the same known answers. Fields: tests/fixtures/exports/README.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModel, setMetadata, writeModel } from '@medslim/onnx';
import { repoRoot } from './fixtures.ts';

export const exportsDir = join(repoRoot, 'tests', 'fixtures', 'exports');

export interface ExportContract {
  layout: 'NCHW' | 'NHWC';
  scale: number;
  mean: number[];
  std: number[];
}

export interface ExportIo {
  name: string;
  dtype: 'float32' | 'float16' | 'uint8' | 'int64';
  /** Dims; a string is a symbolic (dynamic) dimension such as 'batch'. */
  shape: (number | string)[];
}

export interface ExportForm {
  /** Path relative to tests/fixtures/exports. */
  file: string;
  /** Short id of the graph form (e.g. 'fixed-batch-1', 'nhwc', 'external-data'). */
  form: string;
  description: string;
  opset: number;
  irVersion: number;
  /** metadata_props as a record ({} for all forms but 'metadata'). */
  metadata: Record<string, string>;
  input: ExportIo;
  outputs: ExportIo[];
  /** Op types in the graph, sorted. */
  ops: string[];
  /** The contract that reads the model right (for integer inputs: scale 1, the graph normalises). */
  contract: ExportContract;
  /** Input channels the model expects (grey images are replicated). */
  channels: number;
  labels: string[];
  /** Name of the output holding the class scores; null when the model has none (a refuse case). */
  scoreOutput: string | null;
  scoreKind: 'logits' | 'probabilities' | 'log-probabilities' | null;
  expected:
    | { outcome: 'read'; valCorrect: number; valTotal: number; testCorrect: number; testTotal: number; testMinMargin: number; testTies: number }
    | { outcome: 'refuse' };
  notes?: string;
  sha256: Record<string, string>;
  bytes: number;
}

export interface ExportManifest {
  about: string;
  dataset: string;
  labels: string[];
  testMajority: number;
  valMajority: number;
  parameters: { A: number; B: number };
  forms: ExportForm[];
}

let cached: ExportManifest | undefined;

/** The parsed manifest.json (read once). */
export function exportManifest(): ExportManifest {
  cached ??= JSON.parse(readFileSync(join(exportsDir, 'manifest.json'), 'utf8')) as ExportManifest;
  return cached;
}

/** One form by file name (e.g. 'nhwc.onnx'); throws when absent so a typo fails loudly. */
export function exportForm(file: string): ExportForm {
  const f = exportManifest().forms.find((x) => x.file === file);
  if (!f) throw new Error(`no export form '${file}' in tests/fixtures/exports/manifest.json`);
  return f;
}

/** Absolute path of a form's model file. */
export function exportPath(form: ExportForm | string): string {
  return join(exportsDir, typeof form === 'string' ? form : form.file);
}

/**
 * A copy of a form's model with its manifest contract and labels in `medslim.preprocess` / `medslim.labels`,
 * written to `dir` — for tests about graph forms rather than about where the contract comes from.
 */
export function withContractMetadata(form: ExportForm, dir: string): string {
  const model = readModel(exportPath(form));
  setMetadata(model, { 'medslim.preprocess': JSON.stringify(form.contract), 'medslim.labels': form.labels.join(',') });
  const path = join(dir, form.file.replaceAll('/', '-'));
  writeFileSync(path, writeModel(model));
  return path;
}
