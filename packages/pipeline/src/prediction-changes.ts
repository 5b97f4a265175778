/** A test image whose top-1 prediction differs between the teacher and a compressed stage. */
export interface PredictionChange {
  /** Index in the test split. */
  index: number;
  trueLabel: string;
  teacher: string;
  compressed: string;
  /** 'fixed' (teacher wrong, compressed right), 'broken' (teacher right, compressed wrong) or 'both wrong'. */
  effect: 'fixed' | 'broken' | 'both wrong';
}

/** Lists the test images whose prediction changed (at most `limit`), so a reviewer can see who is affected. */
export function predictionChanges(teacher: Int32Array, compressed: Int32Array, labels: Int32Array, names: string[], limit = 100): PredictionChange[] {
  const out: PredictionChange[] = [];
  for (let i = 0; i < labels.length && out.length < limit; i++) {
    if (teacher[i] === compressed[i]) continue;
    const effect = compressed[i] === labels[i] ? 'fixed' : teacher[i] === labels[i] ? 'broken' : 'both wrong';
    out.push({ index: i, trueLabel: names[labels[i]], teacher: names[teacher[i]], compressed: names[compressed[i]], effect });
  }
  return out;
}
