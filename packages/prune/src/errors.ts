import { CodedError } from '@medslim/contracts';

/** Base error of `@medslim/prune`; `code` is stable, `message` names the problem and the fix. */
export class PruneError extends CodedError<'BAD_RATIO' | 'TARGET_UNREACHABLE' | 'NOT_PRUNABLE'> {
  override readonly name = 'PruneError';
}
