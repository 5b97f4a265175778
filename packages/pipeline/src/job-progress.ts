/** Progress of a job: which stage, what it is doing, and how far along (done/total units). */
export interface JobProgress {
  stage: string;
  step: string;
  done: number;
  total: number;
}
