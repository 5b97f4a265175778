import { runQuantizeJob } from '@medslim/pipeline';
import type { Calibrator } from '@medslim/quantize';
import { describeIssues, QuantizeJobOptionsSchema } from '@medslim/contracts';
import { contractFlagOptions, contractFlagsUsage, contractFromFlags } from '../contract-flags.ts';
import { UsageError } from '../errors.ts';
import { commandFlags, intOption } from '../options.ts';
import { progressBar } from '../progress.ts';

export const quantizeUsage = `usage: medslim quantize --model <teacher.onnx> --data <dataset.npz> --out <dir> [options]

Static INT8 post-training quantization (QDQ) with a before/after report.
Writes <dir>/model.int8.onnx, <dir>/report.json and <dir>/report.md.

options:
  --calibrator minmax|percentile|entropy   activation range estimator (default minmax)
  --percentile <p>                         percentile calibrator's percentile (default 99.999)
  --calibration-size <n>                   train images used for calibration (default 512)
  --per-tensor                             one weight scale per tensor instead of per output channel
  --exclude <node,…>                       node names or op types to keep in float (e.g. the final Gemm)
  --target x86_64|x86_64-vnni|arm64       the serving CPU; sets reduce-range (default x86_64: 7-bit weights, safe everywhere)
  --reduce-range / --no-reduce-range       override: 7-bit weights for x86 CPUs without VNNI
  --activation-type uint8|int8             activation type (default uint8, asymmetric)
  --threads <n>                            intraOpNumThreads for the latency measurement (default 1)
  --seed <n>                               seed for the calibration sample and bootstrap CIs (default 0)

${contractFlagsUsage}`;

/** `medslim quantize`: runs the quantize job and prints where the report is. */
export async function quantize(argv: string[], out: (s: string) => void): Promise<number> {
  const values = commandFlags(argv, quantizeUsage, out, {
    ...contractFlagOptions,
    model: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
    calibrator: { type: 'string' },
    percentile: { type: 'string' },
    'calibration-size': { type: 'string' },
    'per-tensor': { type: 'boolean' },
    exclude: { type: 'string' },
    'reduce-range': { type: 'boolean' },
    target: { type: 'string' },
    'no-reduce-range': { type: 'boolean' },
    'activation-type': { type: 'string' },
    threads: { type: 'string' },
    seed: { type: 'string' },
  }, ['model', 'data', 'out']);
  if (!values) return 0;
  if (values.calibrator && !['minmax', 'percentile', 'entropy'].includes(values.calibrator)) {
    throw new UsageError(`--calibrator must be minmax, percentile or entropy; got '${values.calibrator}'`);
  }
  if (values['activation-type'] && !['uint8', 'int8'].includes(values['activation-type'])) {
    throw new UsageError(`--activation-type must be uint8 or int8; got '${values['activation-type']}'`);
  }
  if (values.target !== undefined && !['x86_64', 'x86_64-vnni', 'arm64'].includes(values.target)) throw new UsageError(`--target must be x86_64, x86_64-vnni or arm64 (the serving CPU); got '${values.target}'`);
  if (values['reduce-range'] && values['no-reduce-range']) throw new UsageError('pass either --reduce-range or --no-reduce-range, not both');
  const percentile = values.percentile === undefined ? undefined : Number(values.percentile);
  if (percentile !== undefined && (values.percentile!.trim() === '' || !(percentile > 50 && percentile <= 100))) throw new UsageError(`--percentile must be a number in (50, 100]; got '${values.percentile}'`);
  const settings = {
    calibrator: values.calibrator as Calibrator | undefined,
    percentile,
    perChannel: values['per-tensor'] ? false : undefined,
    exclude: values.exclude ? values.exclude.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    reduceRange: values['reduce-range'] ? true : values['no-reduce-range'] ? false : undefined,
    target: values.target as 'x86_64' | 'x86_64-vnni' | 'arm64' | undefined,
    activationType: values['activation-type'] as 'uint8' | 'int8' | undefined,
  };
  const numbers = {
    calibrationSize: intOption(values['calibration-size'], 'calibration-size', 1),
    seed: intOption(values.seed, 'seed', 0),
    intraOpNumThreads: intOption(values.threads, 'threads', 1),
  };
  // The same bounds as the API's quantize jobs (one schema in @medslim/contracts), e.g. --calibration-size ≤ 100,000.
  const checked = QuantizeJobOptionsSchema.safeParse({ ...settings, ...numbers });
  if (!checked.success) throw new UsageError(`invalid quantize options: ${describeIssues(checked.error)}`);
  const bar = progressBar();
  const t0 = performance.now();
  try {
    const r = await runQuantizeJob({
      model: values.model!,
      data: values.data!,
      outDir: values.out!,
      ...numbers,
      quantize: settings,
      contract: contractFromFlags(values),
      onProgress: bar.onProgress,
    });
    bar.stop();
    const [t, q] = r.report.stages;
    const qz = r.report.quantization as { integerKernelCount: number };
    out(
      [
        `teacher: ${t.bytes.toLocaleString('en-US')} bytes, test AUC ${t.test.auc.toFixed(4)}, accuracy ${(t.test.accuracy * 100).toFixed(2)} %, p50 ${t.latencyMs.p50.toFixed(2)} ms`,
        `int8:    ${q.bytes.toLocaleString('en-US')} bytes (${(q.bytes / t.bytes).toFixed(3)}×), test AUC ${q.test.auc.toFixed(4)}, accuracy ${(q.test.accuracy * 100).toFixed(2)} %, agreement ${((q.test.agreement ?? NaN) * 100).toFixed(2)} %, p50 ${q.latencyMs.p50.toFixed(2)} ms, integer kernels ${qz.integerKernelCount}`,
        `model:  ${r.modelPath}`,
        `report: ${r.reportPath} and ${r.markdownPath} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      ].join('\n') + '\n',
    );
    return 0;
  } finally {
    bar.stop();
  }
}
