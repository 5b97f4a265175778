import cliProgress from 'cli-progress';

/**
 * A progress display for job events: one bar per (stage, step) on a TTY, nothing otherwise (CI logs,
 * pipes). Returns the handler and a `stop` to call at the end.
 */
export function progressBar(enabled: boolean = Boolean(process.stderr.isTTY)): { onProgress: (p: { stage: string; step: string; done: number; total: number }) => void; stop: () => void } {
  if (!enabled) return { onProgress: () => {}, stop: () => {} };
  const multi = new cliProgress.MultiBar(
    { format: ' {label} [{bar}] {value}/{total} {eta_formatted}', stream: process.stderr, clearOnComplete: false, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    onProgress: (p) => {
      const key = `${p.stage} ${p.step}`;
      let bar = bars.get(key);
      if (!bar) {
        bar = multi.create(p.total, 0, { label: key.padEnd(28) });
        bars.set(key, bar);
      }
      bar.setTotal(p.total);
      bar.update(p.done, { label: key.padEnd(28) });
    },
    stop: () => multi.stop(),
  };
}
