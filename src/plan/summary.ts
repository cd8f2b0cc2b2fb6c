// Counts of what a plan does, per job and in total (the same units apply reports).
import type { Action, Diagnostic, JobPlan, PlanSummary } from './types.js';

export function emptySummary(): PlanSummary {
  return { snapshots: 0, sends: 0, sendBytes: 0, holds: 0, releases: 0, bookmarks: 0, destroys: 0, rollbacks: 0, renames: 0, placeholders: 0, aborts: 0, errors: 0, warnings: 0 };
}

/** Snapshots and destroys count objects (a rollback's destroyed versions count as destroys); the rest count actions.
 *  sendBytes sums the known estimates. */
export function countActions(actions: Action[], into: PlanSummary = emptySummary()): PlanSummary {
  for (const a of actions) {
    switch (a.kind) {
      case 'snapshot': into.snapshots += a.snapshots.length; break;
      case 'send': into.sends++; into.sendBytes += a.estimatedBytes ?? 0; break;
      case 'hold': into.holds++; break;
      case 'release': into.releases++; break;
      case 'bookmark': into.bookmarks++; break;
      case 'destroy_bookmarks': into.destroys += a.bookmarks.length + (a.derived?.length ?? 0); break;
      case 'destroy_snapshots': into.destroys += a.snapshots.length; break;
      case 'rollback': into.rollbacks++; into.destroys += a.destroys.length; break;
      case 'rename_dataset': into.renames++; break;
      case 'destroy_dataset': into.destroys += a.destroys.length + 1; break;
      case 'create_placeholder': into.placeholders++; break;
      case 'abort_resume': into.aborts++; break;
    }
  }
  return into;
}

function countDiagnostics(diags: Diagnostic[], into: PlanSummary): void {
  for (const d of diags) {
    if (d.severity === 'error') into.errors++;
    else into.warnings++;
  }
}

export function computeJobSummary(job: Omit<JobPlan, 'summary'>): PlanSummary {
  const s = countActions(job.snapshots);
  countDiagnostics(job.diagnostics, s);
  for (const d of job.datasets) {
    countActions(d.actions, s);
    countDiagnostics(d.diagnostics, s);
  }
  return s;
}

export function addSummaries(parts: PlanSummary[]): PlanSummary {
  const total = emptySummary();
  for (const p of parts) for (const k of Object.keys(total) as (keyof PlanSummary)[]) total[k] += p[k];
  return total;
}
