/** Base error of `@medslim/prune`; `code` is stable, `message` names the problem and the fix. */
export class PruneError extends Error {
  override readonly name = 'PruneError';
  constructor(readonly code: 'BAD_RATIO' | 'TARGET_UNREACHABLE' | 'NOT_PRUNABLE', message: string) {
    super(message);
  }
}
