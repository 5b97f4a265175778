/**
 * The flags that say how to read a teacher where its metadata and graph do not: `--layout --scale --mean
 * --std --labels --output` and `--contract file.json` (the same fields as a job spec's `contract`). One
 * parser for quantize, distill and compress.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ExplicitContractSchema, type ExplicitContract } from '@medslim/contracts';
import { UsageError } from './errors.ts';

/** parseArgs option specs of the contract flags. */
export const contractFlagOptions = {
  layout: { type: 'string' },
  scale: { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
  labels: { type: 'string' },
  output: { type: 'string' },
  contract: { type: 'string' },
} as const;

/** Usage lines of the contract flags. */
export const contractFlagsUsage = `how to read the teacher (only where its metadata and graph do not say; see README "Bring your own model"):
  --layout NCHW|NHWC                 input layout (default: from metadata, else from the input shape)
  --scale <x>                        pixel multiplier, e.g. 1/255 (needed with --mean/--std)
  --mean <m[,m,m]> --std <s[,s,s]>   per-channel normalisation after scaling (default 0 and 1)
  --labels <a,b,…>                   class names in class-index order
  --output <name>                    the output holding the class scores (models with several outputs)
  --contract <file.json>             the same fields as JSON: {"layout","scale","mean","std","labels","output"}
  Without a contract from flags or metadata, medslim measures the teacher on the validation split under the
  usual candidates and adopts one only when the evidence is clear; otherwise it refuses (exit 2).`;

function num(flag: string, v: string): number {
  const t = v.trim();
  const frac = /^([0-9.eE+-]+)\s*\/\s*([0-9.eE+-]+)$/.exec(t);
  const n = frac ? Number(frac[1]) / Number(frac[2]) : Number(t);
  if (t === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number or a fraction like 1/255; got '${v}'`);
  return n;
}

const list = (flag: string, v: string) => v.split(',').map((x) => num(flag, x));

/**
 * The explicit contract from the flags (file first, flags over it), validated by `ExplicitContractSchema`.
 * @returns undefined when no contract flag was given
 * @throws UsageError naming the flag and what it must be
 */
export function contractFromFlags(values: Partial<Record<keyof typeof contractFlagOptions, string>>): ExplicitContract | undefined {
  let base: Record<string, unknown> = {};
  if (values.contract !== undefined) {
    if (!existsSync(values.contract)) throw new UsageError(`--contract ${values.contract} does not exist`);
    try {
      base = JSON.parse(readFileSync(values.contract, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`--contract ${values.contract} is not valid JSON: ${(e as Error).message}`);
    }
    if (!base || typeof base !== 'object' || Array.isArray(base)) throw new UsageError(`--contract ${values.contract} must hold a JSON object like {"layout":"NCHW","scale":0.00392156862745098,"mean":[0.5],"std":[0.5]}`);
    // Numbers may be written as in the metadata (mean/std as one number).
    for (const k of ['mean', 'std'] as const) if (typeof base[k] === 'number') base[k] = [base[k]];
  }
  const o: Record<string, unknown> = { ...base };
  if (values.layout !== undefined) {
    const l = values.layout.trim().toUpperCase();
    if (l !== 'NCHW' && l !== 'NHWC') throw new UsageError(`--layout must be NCHW or NHWC; got '${values.layout}'`);
    o.layout = l;
  }
  if (values.scale !== undefined) o.scale = num('scale', values.scale);
  if (values.mean !== undefined) o.mean = list('mean', values.mean);
  if (values.std !== undefined) o.std = list('std', values.std);
  if (values.labels !== undefined) {
    const names = values.labels.split(',').map((s) => s.trim());
    if (names.some((s) => s === '')) throw new UsageError(`--labels must be comma-separated class names like normal,pneumonia; got '${values.labels}'`);
    o.labels = names;
  }
  if (values.output !== undefined) {
    if (values.output.trim() === '') throw new UsageError('--output must name an output of the model');
    o.output = values.output;
  }
  if (Object.keys(o).length === 0) return undefined;
  const r = ExplicitContractSchema.safeParse(o);
  if (!r.success) {
    const i = r.error.issues[0];
    const field = String(i.path[0] ?? '');
    throw new UsageError(`${values.contract !== undefined && !(field in values) ? `--contract ${values.contract}: ` : ''}'${field}' ${i.message} (fields: layout NCHW|NHWC, scale > 0, mean, std > 0 (1 or C values), labels (≥ 2 names), output)`);
  }
  return r.data;
}
