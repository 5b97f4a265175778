import { reportError, UsageError } from './errors.ts';

const usage = `medslim — make hospital image classifiers small, fast and cheap to serve, and prove they are still safe.

commands:
  compress   the main job: distill → prune → quantize → evaluate → clinical safety gate
  quantize   static INT8 quantization of an ONNX classifier with a before/after report
  distill    train a MobileNetV2-family student from an ONNX teacher (knowledge distillation)
  inspect    print an ONNX model's summary
  dataset    build a MedMNIST-layout .npz from class sub-folders of PNG/JPEG/DICOM images
  serve      run the API (models, uploads, jobs, aliases) and a job worker locally
  worker     run queued jobs from the store

Run 'medslim <command> --help' for a command's options.`;

/** A command: what it runs and its usage text. */
interface Command {
  run: (argv: string[], out: (s: string) => void) => Promise<number>;
  usage: string;
}

/**
 * Each command's module, loaded only when that command runs: `medslim --help` loads none of them
 * (no tfjs, onnxruntime or AWS SDK), so it answers in tens of milliseconds.
 */
const commands: Record<string, () => Promise<Command>> = {
  compress: () => import('./commands/compress.ts').then((m) => ({ run: m.compress, usage: m.compressUsage })),
  quantize: () => import('./commands/quantize.ts').then((m) => ({ run: m.quantize, usage: m.quantizeUsage })),
  distill: () => import('./commands/distill.ts').then((m) => ({ run: m.distill, usage: m.distillUsage })),
  inspect: () => import('./commands/inspect.ts').then((m) => ({ run: m.inspect, usage: m.inspectUsage })),
  dataset: () => import('./commands/dataset.ts').then((m) => ({ run: m.dataset, usage: m.datasetUsage })),
  serve: () => import('./commands/serve.ts').then((m) => ({ run: m.serve, usage: m.serveUsage })),
  worker: () => import('./commands/worker.ts').then((m) => ({ run: m.worker, usage: m.workerUsage })),
};

/** Runs the CLI with `argv` (without node and the script) and returns the exit code: 0 ok, 2 bad input, 3 gate failed (`compress --require-gate`), 1 internal error. */
export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err?: (s: string) => void): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out(usage + '\n');
    return name ? 0 : 2;
  }
  let cmd: Command | undefined;
  try {
    const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!load) throw new UsageError(`unknown command '${name}'\n${usage}`);
    cmd = await load();
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
