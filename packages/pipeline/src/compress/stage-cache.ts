import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** sha256 (hex) of a JSON value with sorted keys — the content hash of a stage's inputs and options. */
export function contentHash(value: unknown): string {
  const canon = (v: unknown): unknown => (Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canon(x)])) : v);
  return createHash('sha256').update(JSON.stringify(canon(value))).digest('hex');
}

export interface StageRecord<T> {
  name: string;
  hash: string;
  result: T;
  seconds: number;
  finishedAt: string;
}

/**
 * Runs a stage unless a finished run with the same content hash is recorded in `<jobDir>/stages/<name>/stage.json`
 * (the marker is written last, atomically, so a stage killed half-way is simply run again; its own checkpoints
 * inside the stage folder let it continue). Returns the recorded or fresh result and whether it was cached.
 */
export async function cachedStage<T>(jobDir: string, name: string, key: unknown, run: (dir: string) => Promise<T>): Promise<{ result: T; cached: boolean; hash: string; seconds: number }> {
  const hash = contentHash({ name, key });
  const dir = join(jobDir, 'stages', name);
  const marker = join(dir, 'stage.json');
  if (existsSync(marker)) {
    const rec = JSON.parse(readFileSync(marker, 'utf8')) as StageRecord<T>;
    if (rec.hash === hash) return { result: rec.result, cached: true, hash, seconds: rec.seconds };
  }
  mkdirSync(dir, { recursive: true });
  // A stage started with other inputs leaves a hash file; its checkpoints must not be resumed.
  const keyFile = join(dir, 'inputs.sha256');
  if (existsSync(keyFile) && readFileSync(keyFile, 'utf8') !== hash) {
    for (const f of ['checkpoint.bin']) if (existsSync(join(dir, f))) renameSync(join(dir, f), join(dir, `${f}.stale`));
  }
  writeFileSync(keyFile, hash);
  const t0 = performance.now();
  const result = await run(dir);
  const seconds = (performance.now() - t0) / 1000;
  const rec: StageRecord<T> = { name, hash, result, seconds, finishedAt: new Date().toISOString() };
  writeFileSync(`${marker}.tmp`, JSON.stringify(rec, null, 2));
  renameSync(`${marker}.tmp`, marker);
  return { result, cached: false, hash, seconds };
}
