/**
 * bench/teacher-shift — what the teacher says about shifted images, i.e. what function matching with shifts
 * (`maxShift` with an online teacher) teaches the student: for each class of the train split and each shift
 * (dy, dx) in pixels (black fill, as training's `copyAugmented`), the share of images the teacher assigns to each
 * class and its mean logit margin (class 1 − class 0, K = 2) — against the unshifted images.
 * Usage: npx tsx bench/teacher-shift.ts [--max-shift 2] [--per-class 400]
 *   [--teacher examples/pneumoniamnist/pneumoniamnist-resnet18.onnx --data examples/pneumoniamnist/pneumoniamnist.npz]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ndarray } from '@medslim/data';
import { argmax } from '@medslim/eval';
import { createSession, scoreImages } from '@medslim/intake';
import { loadJobInputs } from '@medslim/pipeline';

const { values } = parseArgs({ options: { 'max-shift': { type: 'string', default: '2' }, 'per-class': { type: 'string', default: '400' }, teacher: { type: 'string', default: 'examples/pneumoniamnist/pneumoniamnist-resnet18.onnx' }, data: { type: 'string', default: 'examples/pneumoniamnist/pneumoniamnist.npz' } } });
const maxShift = Number(values['max-shift']), perClass = Number(values['per-class']);
const { teacherBytes, ds, iface, k, labelNames } = await loadJobInputs(values.teacher!, values.data!, undefined, ['train']);
const train = ds.splits.train!;
const [, h, w] = train.images.shape;
const c = train.images.shape.length === 4 ? train.images.shape[3] : 1;
const per = h * w * c;
const src = train.images.data as Uint8Array;
const session = await createSession(teacherBytes, 'the teacher', { intraOpNumThreads: 1, interOpNumThreads: 1 });
const shifts: [number, number][] = [[0, 0]];
for (let s = 1; s <= maxShift; s++) shifts.push([0, s], [0, -s], [s, 0], [-s, 0], [s, s], [-s, -s]);
for (let cls = 0; cls < k; cls++) {
  const idx: number[] = [];
  for (let i = 0; i < train.count && idx.length < perClass; i++) if (train.labels[i] === cls) idx.push(i);
  const parts: string[] = [];
  for (const [dy, dx] of shifts) {
    const out = new Uint8Array(idx.length * per); // black (0) where the shift uncovers pixels
    idx.forEach((i, j) => {
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        const sy = y - dy, sx = x - dx;
        if (sy >= 0 && sy < h && sx >= 0 && sx < w) for (let q = 0; q < c; q++) out[j * per + (y * w + x) * c + q] = src[i * per + (sy * w + sx) * c + q];
      }
    });
    const logits = (await scoreImages(session, iface, ndarray('uint8', [idx.length, ...train.images.shape.slice(1)], out), { batchSize: 64 })).logits;
    const pred = argmax(logits, idx.length, k);
    const share = Array.from({ length: k }, (_, q) => pred.filter((p) => p === q).length / idx.length);
    let margin = 0;
    for (let j = 0; j < idx.length; j++) margin += logits[j * k + 1] - logits[j * k];
    parts.push(`(${dy},${dx}) ${labelNames.map((l, q) => `${l} ${(share[q] * 100).toFixed(1)} %`).join(' ')} margin ${(margin / idx.length).toFixed(2)}`);
  }
  console.log(`train images labelled ${labelNames[cls]} (${idx.length}), teacher's calls by shift (dy,dx):\n  ${parts.join('\n  ')}`);
}
await session.release();
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
