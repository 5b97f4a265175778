import { parseArgs } from 'node:util';
import { formatSummary, readModel, readModelBytes, summarize } from '@medslim/onnx';
import { UsageError } from '../errors.ts';

export const inspectUsage = `usage: medslim inspect <model.onnx> [--json]

Prints the model summary: inputs and outputs with shapes, opset, op histogram, parameter count, bytes, metadata_props.`;

/** `medslim inspect <onnx>`: prints the model summary (text, or JSON with --json). */
export async function inspect(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  if (values.help) { out(inspectUsage + '\n'); return 0; }
  if (positionals.length !== 1) throw new UsageError(`inspect takes one model path\n${inspectUsage}`);
  const bytes = readModelBytes(positionals[0]); // external data files beside it are read in
  const summary = summarize(readModel(bytes, positionals[0]), bytes.byteLength);
  out((values.json ? JSON.stringify(summary, null, 2) : formatSummary(summary)) + '\n');
  return 0;
}
