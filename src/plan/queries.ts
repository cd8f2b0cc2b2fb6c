// Questions asked of a plan value: does it change anything, what errors it has, which datasets cannot proceed.
import type { DatasetPlan, Diagnostic, JobPlan, Plan } from './types.js';

/** Does the plan change anything? */
export function planHasChanges(plan: Plan): boolean {
  return plan.jobs.some((j) => j.snapshots.length > 0 || j.datasets.some((d) => d.actions.length > 0));
}

/** Error diagnostics (all, and the jobs' own), hosts that could not be listed, the jobs' errors that stop the whole
 *  job (a host not listed, a target pool that does not exist), and whether any dataset can proceed at all. */
export function planErrors(plan: Plan): { errors: number; jobErrors: number; unlistedHosts: number; blockingErrors: number; anyActions: boolean } {
  let errors = 0;
  let jobErrors = 0;
  let unlistedHosts = 0;
  let blockingErrors = 0;
  for (const j of plan.jobs) {
    for (const d of j.diagnostics) {
      if (d.severity !== 'error') continue;
      jobErrors++;
      if (d.host !== undefined) unlistedHosts++;
      if (isBlocking(d)) blockingErrors++;
    }
    for (const d of j.datasets) errors += d.diagnostics.filter((x) => x.severity === 'error').length;
  }
  return { errors: errors + jobErrors, jobErrors, unlistedHosts, blockingErrors, anyActions: planHasChanges(plan) };
}

function isBlocking(d: Diagnostic): boolean {
  return d.severity === 'error' && (d.host !== undefined || d.blocksDatasets === true);
}

/** The job's error that stops each of its datasets without actions, if any. */
export function jobBlocker(job: JobPlan): Diagnostic | undefined {
  return job.diagnostics.find(isBlocking);
}

/** Can this dataset not proceed? An error on it, or its job's blocker (jobBlocker) and no actions. Another error of
 *  the job (a source root gone) stops only what it names. */
export function isDatasetBlocked(d: DatasetPlan, blocker: Diagnostic | undefined): boolean {
  return d.diagnostics.some((x) => x.severity === 'error') || (d.actions.length === 0 && blocker !== undefined);
}

/** Datasets that cannot proceed (isDatasetBlocked), and a job with an error that selected none counts as one. */
export function blockedDatasets(plan: Plan): number {
  let n = 0;
  for (const j of plan.jobs) {
    const blocker = jobBlocker(j);
    for (const d of j.datasets) if (isDatasetBlocked(d, blocker)) n++;
    if (j.datasets.length === 0 && j.diagnostics.some((d) => d.severity === 'error')) n++;
  }
  return n;
}
