/**
 * A per-path mutual-exclusion lock that works between async tasks of one process
 * AND between processes sharing a filesystem (the API server and the worker).
 *
 * Mechanism: an exclusive lock file created with `open(path, 'wx')` (O_CREAT|O_EXCL,
 * atomic on local filesystems), retried with jittered exponential backoff. The holder
 * touches the file's mtime every `staleMs / 3` while it runs; a lock file whose mtime is
 * older than `staleMs` belongs to a crashed (or frozen) process and is broken. Inside one
 * process, callers are first queued on an in-memory mutex so they do not spin on the file.
 *
 * Not suitable for NFS-style filesystems where O_EXCL is not atomic.
 */
import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { link, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { StoreError } from './blob-store.ts';

/** Tuning of `withFileLock`. */
export interface FileLockOptions {
  /** A lock file not touched for this many milliseconds is considered abandoned and broken. Default 30 000. */
  staleMs?: number;
  /** Give up (StoreError 'IO') after waiting this many milliseconds. Default `2 × staleMs + 5000`. */
  timeoutMs?: number;
}

/** Default age, in milliseconds, after which an untouched lock file is treated as abandoned. */
export const DEFAULT_LOCK_STALE_MS = 30_000;

const queues = new Map<string, Promise<void>>();

/** Run `fn` after every earlier caller with the same `id` in this process has finished. */
async function withProcessMutex<T>(id: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(id) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => mine);
  queues.set(id, tail);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (queues.get(id) === tail) queues.delete(id);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Run `fn` while holding the lock `lockPath` (a file that must not otherwise be used).
 * The lock's directory is created if missing. Releases the lock when `fn` settles.
 *
 * @throws StoreError 'IO' when the lock cannot be taken within `timeoutMs`, or on a filesystem error;
 *   otherwise whatever `fn` throws.
 */
export async function withFileLock<T>(lockPath: string, opts: FileLockOptions, fn: () => Promise<T>): Promise<T> {
  const staleMs = opts.staleMs ?? DEFAULT_LOCK_STALE_MS;
  const timeoutMs = opts.timeoutMs ?? 2 * staleMs + 5_000;
  return withProcessMutex(lockPath, async () => {
    const held = await acquire(lockPath, staleMs, timeoutMs);
    try {
      return await fn();
    } finally {
      await held.release();
    }
  });
}

async function acquire(lockPath: string, staleMs: number, timeoutMs: number): Promise<{ release(): Promise<void> }> {
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    let fh: FileHandle | undefined;
    try {
      fh = await open(lockPath, 'wx');
    } catch (e) {
      const code = errCode(e);
      if (code === 'ENOENT') {
        // The directory is missing (first write under it, or a delete just pruned it).
        await mkdir(path.dirname(lockPath), { recursive: true }).catch((err: unknown) => {
          throw new StoreError('IO', `cannot create directory for lock ${lockPath}: ${String(err)}`, { cause: err });
        });
      } else if (code !== 'EEXIST') {
        throw new StoreError('IO', `cannot create lock file ${lockPath}: ${String(e)}`, { cause: e });
      }
    }
    if (fh) return held(lockPath, fh, staleMs);
    await breakIfStale(lockPath, staleMs);
    if (Date.now() >= deadline) {
      throw new StoreError('IO', `timed out after ${timeoutMs} ms waiting for lock ${lockPath}`);
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
}

async function held(lockPath: string, fh: FileHandle, staleMs: number): Promise<{ release(): Promise<void> }> {
  let ino: bigint;
  try {
    await fh.writeFile(`${process.pid} ${new Date().toISOString()}\n`);
    ino = (await fh.stat({ bigint: true })).ino;
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(lockPath).catch(() => {});
    throw new StoreError('IO', `cannot write lock file ${lockPath}: ${String(e)}`, { cause: e });
  }
  // Heartbeat: keep the mtime fresh so a long critical section is not mistaken for a dead holder.
  const heartbeat = setInterval(() => {
    const now = new Date();
    fh.utimes(now, now).catch(() => {});
  }, Math.max(250, Math.floor(staleMs / 3)));
  heartbeat.unref();
  return {
    async release() {
      clearInterval(heartbeat);
      await fh.close().catch(() => {});
      try {
        // Only remove the file if it is still ours (it could have been broken as stale).
        const current = await stat(lockPath, { bigint: true });
        if (current.ino === ino) await unlink(lockPath);
      } catch (e) {
        if (errCode(e) !== 'ENOENT') throw new StoreError('IO', `cannot remove lock file ${lockPath}: ${String(e)}`, { cause: e });
      }
    },
  };
}

/**
 * Remove `lockPath` if its mtime is older than `staleMs`. To avoid deleting a fresh lock that
 * another process created after our stat, the file is first renamed aside (atomic), compared
 * by inode with the one judged stale, and put back with `link` (atomic, fails if taken) if it
 * turns out to be a different one.
 */
async function breakIfStale(lockPath: string, staleMs: number): Promise<void> {
  let seen;
  try {
    seen = await stat(lockPath, { bigint: true });
  } catch {
    return;
  }
  if (Date.now() - Number(seen.mtimeMs) <= staleMs) return;
  const aside = `${lockPath}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return; // someone else broke or released it
  }
  try {
    const moved = await stat(aside, { bigint: true });
    if (moved.ino !== seen.ino) await link(aside, lockPath).catch(() => {});
  } finally {
    await unlink(aside).catch(() => {});
  }
}
