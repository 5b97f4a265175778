import { runDistillJob } from '@medslim/pipeline';
import { contractFlagOptions, contractFlagsUsage, contractFromFlags } from '../contract-flags.ts';
import { UsageError } from '../errors.ts';
import { commandFlags, numberOption } from '../options.ts';
import { progressBar } from '../progress.ts';

export const distillUsage = `usage: medslim distill --teacher <teacher.onnx> --data <dataset.npz> --out <dir> [options]

Knowledge distillation: trains a MobileNetV2-family student on the teacher's softened outputs
(Hinton et al. 2015) and exports it to ONNX. Writes <dir>/student.onnx, <dir>/report.json, <dir>/report.md.

options:
  --width <w>           width multiplier of the reference student (default 1)
  --epochs <n>          training epochs (default 10, more on a small train split: at least 700 steps)
  --temperature <T>     softmax temperature of the KD term (default 4)
  --alpha <a>           weight of the hard-label cross-entropy; 1 = no teacher (default 0.1)
  --soft-loss kl|logit-mse  the teacher term: KL at temperature T, or squared logit differences (default kl)
  --ema <d>             exponential moving average of the weights, decay per step in [0, 1), used for selection and export (default 0 = off)
  --batch-size <n>      images per step (default 64; on wasm, larger images train in micro-batches)
  --threads <n>         data-parallel training threads on wasm (default: every core; same seed + threads → same student)
  --micro-batch <n>     images per forward/backward pass, gradients accumulated up to the batch (default: what the wasm heap holds)
  --lr <x>              base learning rate (default 0.001 for adam, 0.05 for sgd)
  --optimizer adam|sgd  (default adam)
  --schedule cosine|step|constant (default cosine)
  --balanced            class-balanced sampling
  --flip                random horizontal flips (off by default: chest X-rays are not left-right symmetric)
  --shift <px>          random shifts of up to px pixels (default 0)
  --online-teacher      function matching: the teacher runs on every augmented batch the student sees (not cached)
  --mixup <a>           mixup of images, Beta(a, a) mixing weight, teacher scores the mixed image (implies --online-teacher; default 0 = off)
  --mixup-fraction <f>  fraction of the images mixed (default 1)
  --brightness <b>      brightness jitter: pixels × a gain from U(1 − b, 1 + b), b in [0, 1) (default 0)
  --contrast <c>        contrast jitter around each image's mean, factor from U(1 − c, 1 + c) (default 0)
  --seed <n>            seed for initialization, shuffles and augmentation (default 0)
  --resume              continue from <dir>/checkpoint.bin
  --backend node-gpu|node|wasm  try this training backend first
  --cache-dir <dir>     where teacher logits are cached (default .medslim/cache/teacher-logits)

${contractFlagsUsage}`;

/** `medslim distill`: runs the distill job and prints where the student and report are. */
export async function distill(argv: string[], out: (s: string) => void): Promise<number> {
  const values = commandFlags(argv, distillUsage, out, {
    ...contractFlagOptions,
    teacher: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, width: { type: 'string' }, epochs: { type: 'string' },
    temperature: { type: 'string' }, alpha: { type: 'string' }, 'soft-loss': { type: 'string' }, ema: { type: 'string' }, 'batch-size': { type: 'string' }, lr: { type: 'string' }, threads: { type: 'string' }, 'micro-batch': { type: 'string' },
    optimizer: { type: 'string' }, schedule: { type: 'string' }, balanced: { type: 'boolean' }, flip: { type: 'boolean' }, shift: { type: 'string' },
    'online-teacher': { type: 'boolean' }, mixup: { type: 'string' }, 'mixup-fraction': { type: 'string' }, brightness: { type: 'string' }, contrast: { type: 'string' },
    seed: { type: 'string' }, resume: { type: 'boolean' }, backend: { type: 'string' }, 'cache-dir': { type: 'string' },
  }, ['teacher', 'data', 'out']);
  if (!values) return 0;
  const int = (n: number) => Number.isInteger(n);
  if (values.optimizer && !['adam', 'sgd'].includes(values.optimizer)) throw new UsageError(`--optimizer must be adam or sgd; got '${values.optimizer}'`);
  if (values.schedule && !['cosine', 'step', 'constant'].includes(values.schedule)) throw new UsageError(`--schedule must be cosine, step or constant; got '${values.schedule}'`);
  if (values['soft-loss'] && !['kl', 'logit-mse'].includes(values['soft-loss'])) throw new UsageError(`--soft-loss must be kl or logit-mse; got '${values['soft-loss']}'`);
  if (values.backend && !['node-gpu', 'node', 'wasm'].includes(values.backend)) throw new UsageError(`--backend must be node-gpu, node or wasm; got '${values.backend}'`);
  const optimizer = values.optimizer as 'adam' | 'sgd' | undefined;
  const bar = progressBar();
  const log = process.stderr.isTTY ? () => {} : (m: string) => process.stderr.write(`${m}\n`);
  try {
    const r = await runDistillJob({
      teacher: values.teacher!, data: values.data!, outDir: values.out!, contract: contractFromFlags(values),
      width: numberOption(values.width, 'width', (n) => n > 0 && n <= 4, 'a number in (0, 4]'),
      train: {
        epochs: numberOption(values.epochs, 'epochs', (n) => int(n) && n >= 1, 'an integer ≥ 1'),
        temperature: numberOption(values.temperature, 'temperature', (n) => n > 0, 'a number > 0'),
        alpha: numberOption(values.alpha, 'alpha', (n) => n >= 0 && n <= 1, 'a number in [0, 1]'),
        softLoss: values['soft-loss'] as 'kl' | 'logit-mse' | undefined,
        ema: numberOption(values.ema, 'ema', (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
        batchSize: numberOption(values['batch-size'], 'batch-size', (n) => int(n) && n >= 1, 'an integer ≥ 1'),
        lr: numberOption(values.lr, 'lr', (n) => n > 0, 'a number > 0') ?? (optimizer === 'sgd' ? 0.05 : undefined),
        optimizer, schedule: values.schedule as 'cosine' | 'step' | 'constant' | undefined,
        balanced: values.balanced, flip: values.flip, maxShift: numberOption(values.shift, 'shift', (n) => int(n) && n >= 0 && n <= 8, 'an integer in [0, 8]'),
        seed: numberOption(values.seed, 'seed', (n) => int(n) && n >= 0, 'an integer ≥ 0'),
        threads: numberOption(values.threads, 'threads', (n) => int(n) && n >= 1 && n <= 256, 'an integer in [1, 256]'),
        microBatch: numberOption(values['micro-batch'], 'micro-batch', (n) => int(n) && n >= 1, 'an integer ≥ 1'),
        mixup: numberOption(values.mixup, 'mixup', (n) => n >= 0 && n <= 100, 'a number in [0, 100]'),
        mixupFraction: numberOption(values['mixup-fraction'], 'mixup-fraction', (n) => n >= 0 && n <= 1, 'a number in [0, 1]'),
        brightness: numberOption(values.brightness, 'brightness', (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
        contrast: numberOption(values.contrast, 'contrast', (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
      },
      onlineTeacher: values['online-teacher'],
      resume: values.resume, prefer: values.backend as 'node-gpu' | 'node' | 'wasm' | undefined, cacheDir: values['cache-dir'],
      onProgress: bar.onProgress, log,
    });
    bar.stop();
    const [t, s] = r.report.stages;
    const tr = r.report.training as { backend: string; imagesPerSecond: number; seconds: number; bestEpoch: number; threads?: number; microBatch?: number };
    out([
      `teacher: ${t.params.toLocaleString('en-US')} params, ${t.bytes.toLocaleString('en-US')} bytes, test AUC ${t.test.auc.toFixed(4)}, accuracy ${(t.test.accuracy * 100).toFixed(2)} %`,
      `student: ${s.params.toLocaleString('en-US')} params (1/${(t.params / s.params).toFixed(0)}), ${s.bytes.toLocaleString('en-US')} bytes, test AUC ${s.test.auc.toFixed(4)}, accuracy ${(s.test.accuracy * 100).toFixed(2)} %, agreement ${((s.test.agreement ?? NaN) * 100).toFixed(2)} %`,
      `training: ${tr.backend}, ${tr.threads ?? 1} thread${tr.threads === 1 ? '' : 's'}, micro-batch ${tr.microBatch ?? '-'}, ${tr.imagesPerSecond.toFixed(1)} images/s, ${(tr.seconds / 60).toFixed(1)} min, best epoch ${tr.bestEpoch}`,
      `student: ${r.studentPath}`,
      `report:  ${r.reportPath}`,
    ].join('\n') + '\n');
    return 0;
  } finally {
    bar.stop();
  }
}
