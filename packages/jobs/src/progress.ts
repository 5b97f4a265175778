/**
 * Turn a job's progress events (stage, step, done/total of that step) into what clients see:
 * percent of the whole job and an ETA. The plan lists the steps a job reports, in order, with
 * their share of the work; a step that never shows up (an optional calibration pass) counts as
 * done once a later step starts. Steps not in the plan keep the percent where it was. A step may name what it
 * works on after the planned name (`fine-tune pruned-50` counts as `fine-tune`).
 */
import type { JobProgressState } from '@medslim/registry';

/** One step of a plan: a (stage, step) pair as the pipeline reports it, and its relative weight (> 0). */
export interface PlanStep {
  stage: string;
  step: string;
  weight: number;
}

/** The steps of a job, in the order they run. */
export type ProgressPlan = readonly PlanStep[];

/** A progress event as `@medslim/pipeline` emits it. */
export interface ProgressEvent {
  stage: string;
  step: string;
  done: number;
  total: number;
}

/** Percent is never reported above this until the job has really finished (the worker sets 100). */
const MAX_RUNNING_PERCENT = 99;

/** Tracks percent (monotonic, 0 … 99 while running) and ETA in seconds for one job. */
export class ProgressTracker {
  private readonly total: number;
  private readonly startedAt: number;
  private percent = 0;

  constructor(
    private readonly plan: ProgressPlan,
    private readonly clock: () => number = Date.now,
  ) {
    this.total = plan.reduce((s, p) => s + p.weight, 0);
    this.startedAt = clock();
  }

  /** The client-facing state after event `p`. */
  update(p: ProgressEvent): JobProgressState {
    const i = this.plan.findIndex((s) => s.stage === p.stage && (s.step === p.step || p.step.startsWith(`${s.step} `)));
    if (i >= 0 && this.total > 0) {
      const before = this.plan.slice(0, i).reduce((s, x) => s + x.weight, 0);
      const frac = p.total > 0 ? Math.min(1, Math.max(0, p.done / p.total)) : 0;
      const pct = (100 * (before + this.plan[i].weight * frac)) / this.total;
      this.percent = Math.min(MAX_RUNNING_PERCENT, Math.max(this.percent, pct));
    }
    const elapsed = (this.clock() - this.startedAt) / 1000;
    const etaSeconds = this.percent >= 2 && elapsed >= 1 ? Math.round((elapsed * (100 - this.percent)) / this.percent) : null;
    return { stage: p.stage, step: p.step, done: p.done, total: p.total, percent: Math.round(this.percent * 10) / 10, etaSeconds };
  }
}
