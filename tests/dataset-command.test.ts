/**
 * medslim dataset: class sub-folders of PNG / JPEG / DICOM → a MedMNIST-layout npz that loadDataset reads, split
 * per class with the asked proportions, the same bytes for the same seed; bad input exits 2 naming the fix.
 * Known answers: every source image is one uniform grey value that identifies it, and a uniform image stays
 * exactly that value through grey conversion and resizing, so each npz image says which file it came from.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '@medslim/data';
import { repoRoot, tempDir } from './helpers/fixtures.ts';
import { imageDicom } from './helpers/serve-dicom.ts';

const bin = join(repoRoot, 'packages', 'cli', 'bin', 'medslim.js');
function medslim(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const solid = (v: number, w: number, h: number, rgb = false) =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r: v, g: v, b: v } } }).toColourspace(rgb ? 'srgb' : 'b-w');

describe('medslim dataset', () => {
  let root: string;
  beforeAll(async () => {
    root = tempDir();
    mkdirSync(join(root, 'normal'));
    mkdirSync(join(root, 'pneumonia'));
    // normal: 10 PNGs of values 10…19 (40×32, grey) ; pneumonia: 5 RGB JPEG-free PNGs 200…204 (RGB) + 1 DICOM of 250
    for (let i = 0; i < 10; i++) writeFileSync(join(root, 'normal', `n${i}.png`), await solid(10 + i, 40, 32).png().toBuffer());
    for (let i = 0; i < 5; i++) writeFileSync(join(root, 'pneumonia', `p${i}.png`), await solid(200 + i, 30, 30, true).png().toBuffer());
    writeFileSync(join(root, 'pneumonia', 'scan.dcm'), imageDicom({ rows: 16, columns: 16, photometric: 'MONOCHROME2', bitsAllocated: 8, pixels: new Uint8Array(256).fill(250) }));
    writeFileSync(join(root, '.DS_Store'), 'ignored');
  });

  it('builds a stratified, seeded MedMNIST-layout npz from PNG and DICOM files', () => {
    const out = join(root, 'data.npz');
    const r = medslim('dataset', '--from', root, '--out', out, '--size', '28', '--seed', '3');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/train 12, val 2, test 2 images, 28×28×1/);
    expect(r.stdout).toMatch(/labels: normal,pneumonia/);
    const ds = loadDataset(out);
    expect([ds.height, ds.width, ds.channels, ds.numClasses]).toEqual([28, 28, 1, 2]);
    // per class: normal 10 → 8/1/1, pneumonia 6 → 4/1/1
    const per = (s: 'train' | 'val' | 'test') => [0, 1].map((c) => Array.from(ds.splits[s]!.labels).filter((l) => l === c).length);
    expect([per('train'), per('val'), per('test')]).toEqual([[8, 4], [1, 1], [1, 1]]);
    const seen: number[] = [];
    for (const s of ['train', 'val', 'test'] as const) {
      const split = ds.splits[s]!;
      const px = split.images.data as Uint8Array;
      for (let i = 0; i < split.count; i++) {
        const img = px.subarray(i * 784, (i + 1) * 784);
        expect(img.every((v) => v === img[0])).toBe(true); // uniform stays uniform
        seen.push(img[0]);
        expect(split.labels[i]).toBe(img[0] < 100 ? 0 : 1);
      }
    }
    expect(seen.sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 200, 201, 202, 203, 204, 250]);
    // same seed → same bytes; another seed → another split
    const again = join(root, 'again.npz');
    expect(medslim('dataset', '--from', root, '--out', again, '--seed', '3').code).toBe(0);
    expect(Buffer.compare(readFileSync(again), readFileSync(out))).toBe(0);
    const other = join(root, 'other.npz');
    expect(medslim('dataset', '--from', root, '--out', other, '--seed', '4').code).toBe(0);
    expect(Buffer.compare(readFileSync(other), readFileSync(out))).not.toBe(0);
  });

  it('--channels 3 writes [N,S,S,3]', () => {
    const out = join(root, 'rgb.npz');
    const r = medslim('dataset', '--from', root, '--out', out, '--size', '16', '--channels', '3', '--split', '0.5,0.25,0.25');
    expect(r.code, r.stderr).toBe(0);
    const ds = loadDataset(out);
    expect([ds.height, ds.channels]).toEqual([16, 3]);
    expect(ds.splits.train!.images.shape).toEqual([6, 16, 16, 3]); // normal 10 − 3 − 3 (round(2.5) = 3), pneumonia 6 − 2 − 2
  });

  it('bad input exits 2 naming the flag or file and the fix', () => {
    const bad = tempDir();
    mkdirSync(join(bad, 'only'));
    writeFileSync(join(bad, 'only', 'a.png'), Uint8Array.of(1, 2, 3));
    const cases: [string[], RegExp][] = [
      [['--out', join(bad, 'x.npz')], /--from <folder> is required/],
      [['--from', join(bad, 'nope'), '--out', join(bad, 'x.npz')], /does not exist/],
      [['--from', bad, '--out', join(bad, 'x.npz')], /has 1 class sub-folder\(s\) \(only\); a classifier needs at least 2/],
      [['--from', root, '--out', join(bad, 'x.npz'), '--split', '0.8,0.3,0.1'], /--split must be three fractions train,val,test that sum to 1/],
      [['--from', root, '--out', join(bad, 'x.npz'), '--channels', '2'], /--channels must be 1 \(grey\) or 3 \(RGB\)/],
      [['--from', root, '--out', join(bad, 'x.npz'), '--size', 'big'], /--size must be an integer from 8 to 1024/],
    ];
    for (const [args, pattern] of cases) {
      const r = medslim('dataset', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(pattern);
    }
    mkdirSync(join(bad, 'other'));
    writeFileSync(join(bad, 'other', 'notes.txt'), 'not an image');
    const r = medslim('dataset', '--from', bad, '--out', join(bad, 'x.npz'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a.png: the body is not a PNG or JPEG image|notes.txt is not a PNG, JPEG or DICOM file/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
