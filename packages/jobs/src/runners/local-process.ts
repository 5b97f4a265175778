/**
 * `LocalProcessRunner`: the worker as a child process of `medslim serve` (CPU-heavy jobs stay off
 * the API's event loop). The child polls the store itself; over the IPC channel the runner sends
 * `{type: 'wake'}` when a job is queued, `{type: 'cancel', id}` on cancel and `{type: 'stop'}` on
 * shutdown. A child that dies is restarted (its job is then recovered as failed on start-up).
 * The child exits when the channel closes, so it never outlives the server.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import type { JobDoc, JobRunner } from '@medslim/registry';

/** Messages from the runner to its worker process. */
export type WorkerMessage = { type: 'wake' } | { type: 'cancel'; id: string } | { type: 'stop' };

/** Options of `LocalProcessRunner`. */
export interface LocalProcessRunnerOptions {
  /** Executable, e.g. `process.execPath`. */
  command: string;
  /** Arguments, e.g. `[<medslim bin>, 'worker', '--data-dir', dir]`. */
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Wait before restarting a child that exited unexpectedly, in ms. Default 1 000. */
  restartDelayMs?: number;
  /** Give up restarting after this many unexpected exits in a row. Default 5. */
  maxRestarts?: number;
  /** How long `close` waits for the child to finish before SIGKILL, in ms. Default 20 000. */
  stopTimeoutMs?: number;
  log?: (line: string) => void;
}

export class LocalProcessRunner implements JobRunner {
  readonly name = 'local-process';
  private child: ChildProcess | null = null;
  private closing = false;
  private restarts = 0;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: LocalProcessRunnerOptions) {
    this.log = opts.log ?? ((line) => process.stderr.write(`medslim serve: ${line}\n`));
  }

  /** Start the worker process. */
  start(): void {
    if (this.child || this.closing) return;
    const child = spawn(this.opts.command, this.opts.args, {
      cwd: this.opts.cwd,
      env: this.opts.env ?? process.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    if (this.restarts > 0) this.log(`worker process ${child.pid} started (restart ${this.restarts})`);
    const startedAt = Date.now();
    child.on('error', (e) => this.log(`worker process failed to start: ${e.message}`));
    child.on('exit', (code, signal) => {
      this.child = null;
      if (this.closing) return;
      if (Date.now() - startedAt > 60_000) this.restarts = 0;
      this.restarts++;
      const max = this.opts.maxRestarts ?? 5;
      if (this.restarts > max) {
        this.log(`worker process exited (${signal ?? code}) ${max} times in a row; not restarting — run 'medslim worker' to process jobs`);
        return;
      }
      this.log(`worker process exited (${signal ?? `code ${code}`}); restarting`);
      setTimeout(() => this.start(), this.opts.restartDelayMs ?? 1_000).unref();
    });
  }

  /** The worker's process id, while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async dispatch(): Promise<void> {
    this.send({ type: 'wake' });
  }

  async cancel(job: JobDoc): Promise<void> {
    this.send({ type: 'cancel', id: job.id });
  }

  /** Ask the worker to stop (its running job is marked failed) and wait for it to exit. */
  async close(): Promise<void> {
    this.closing = true;
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.send({ type: 'stop' });
    const timer = setTimeout(() => child.kill('SIGKILL'), this.opts.stopTimeoutMs ?? 20_000);
    await exited;
    clearTimeout(timer);
  }

  private send(m: WorkerMessage): void {
    const child = this.child;
    if (child?.connected) child.send(m, (e) => e && this.log(`could not reach the worker process: ${e.message}`));
  }
}
