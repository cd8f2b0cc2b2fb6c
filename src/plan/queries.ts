// Questions asked of a plan value: does it change anything, what errors it has, which datasets cannot proceed.
import type { Plan } from './types.js';

/** Does the plan change anything? */
export function planHasChanges(plan: Plan): boolean {
  return plan.jobs.some((j) => j.snapshots.length > 0 || j.datasets.some((d) => d.actions.length > 0));
}

/** Error diagnostics, hosts that could not be listed (always a failure), and whether any dataset can proceed at all. */
export function planErrors(plan: Plan): { errors: number; unlistedHosts: number; anyActions: boolean } {
  let errors = 0;
  let unlistedHosts = 0;
  for (const j of plan.jobs) {
    errors += j.diagnostics.filter((d) => d.severity === 'error').length;
    unlistedHosts += j.diagnostics.filter((d) => d.severity === 'error' && d.host !== undefined).length;
    for (const d of j.datasets) errors += d.diagnostics.filter((x) => x.severity === 'error').length;
  }
  return { errors, unlistedHosts, anyActions: planHasChanges(plan) };
}

/** Datasets that cannot proceed: an error on the dataset, or an error on its job and no actions. */
export function blockedDatasets(plan: Plan): number {
  let n = 0;
  for (const j of plan.jobs) {
    const jobError = j.diagnostics.some((d) => d.severity === 'error');
    for (const d of j.datasets) {
      if (d.diagnostics.some((x) => x.severity === 'error') || (jobError && d.actions.length === 0)) n++;
    }
    if (jobError && j.datasets.length === 0) n++;
  }
  return n;
}
