/** Error names of medslim packages that mean "your input is wrong" (exit code 2), as opposed to a bug (exit code 1). */
const INPUT_ERRORS = new Set(['OnnxError', 'DataError', 'JobError', 'QuantizeError', 'EvalError', 'DistillError', 'PruneError', 'StoreError', 'RegistryError', 'ConfigError', 'ServingError', 'UsageError', 'IntakeError']);

/** Bad command-line usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Prints an error the way the CLI reports it and returns the exit code. Never prints data values. */
export function reportError(err: unknown, write: (s: string) => void = (s) => process.stderr.write(s)): number {
  const e = err as Error & { code?: string };
  if (e && INPUT_ERRORS.has(e.name)) {
    write(`medslim: error${e.code ? ` [${e.code}]` : ''}: ${e.message}\n`);
    return 2;
  }
  const fsCode = (e as NodeJS.ErrnoException)?.code;
  if (fsCode === 'ENOENT' || fsCode === 'EISDIR' || fsCode === 'EACCES' || fsCode === 'ENOTDIR' || fsCode === 'EEXIST') {
    const what = {
      EISDIR: 'a directory was given where a file is expected',
      ENOENT: 'no such file or directory',
      ENOTDIR: 'a path component is not a directory',
      EEXIST: 'a file is in the way where a directory is needed (--out, --cache-dir and --data-dir name directories)',
      EACCES: 'permission denied',
    }[fsCode];
    write(`medslim: error [${fsCode}]: ${what}: ${(e as NodeJS.ErrnoException).path ?? e.message}\n`);
    return 2;
  }
  write(`medslim: internal error: ${e?.stack ?? String(err)}\n`);
  return 1;
}
