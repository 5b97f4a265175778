import { compress, compressUsage } from './commands/compress.ts';
import { distill, distillUsage } from './commands/distill.ts';
import { inspect, inspectUsage } from './commands/inspect.ts';
import { quantize, quantizeUsage } from './commands/quantize.ts';
import { serve, serveUsage } from './commands/serve.ts';
import { worker, workerUsage } from './commands/worker.ts';
import { reportError, UsageError } from './errors.ts';

const usage = `medslim — make hospital image classifiers small, fast and cheap to serve, and prove they are still safe.

commands:
  compress   the main job: distill → prune → quantize → evaluate → clinical safety gate
  quantize   static INT8 quantization of an ONNX classifier with a before/after report
  distill    train a MobileNetV2-family student from an ONNX teacher (knowledge distillation)
  inspect    print an ONNX model's summary
  serve      run the API (models, uploads, jobs, aliases) and a job worker locally
  worker     run queued jobs from the store

Run 'medslim <command> --help' for a command's options.`;

const commands: Record<string, { run: (argv: string[], out: (s: string) => void) => Promise<number>; usage: string }> = {
  compress: { run: compress, usage: compressUsage },
  quantize: { run: quantize, usage: quantizeUsage },
  distill: { run: distill, usage: distillUsage },
  inspect: { run: inspect, usage: inspectUsage },
  serve: { run: serve, usage: serveUsage },
  worker: { run: worker, usage: workerUsage },
};

/** Runs the CLI with `argv` (without node and the script) and returns the exit code: 0 ok, 2 bad input, 3 gate failed (`compress --require-gate`), 1 internal error. */
export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err?: (s: string) => void): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out(usage + '\n');
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  try {
    if (!cmd) throw new UsageError(`unknown command '${name}'\n${usage}`);
    return await cmd.run(rest, out);
  } catch (e) {
    const error = e as Error & { code?: string };
    // node:util parseArgs reports unknown or malformed options with these codes.
    if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      return reportError(new UsageError(`${error.message}\n${cmd?.usage ?? usage}`), err);
    }
    return reportError(e, err);
  }
}
