// The hook runs of one job's plan (pure): snapshotting.hooks around each pool's snapshot batch, replication.hooks
// after the job's replication. They come from the config only: a saved plan is recomputed from the config and runs
// only when identical, so a plan file can never add, drop or change a hook.
import type { HookConfig, JobConfig } from '../config/types.js';
import { compileFilter } from '../config/filter.js';
import type { DatasetPlan, PlannedHook } from './types.js';

/** The machine zform runs on: where post_replication hooks run (notifications live with the scheduler). */
export const REPLICATION_HOOK_HOST = 'local';

function datasetOf(full: string): string {
  return full.slice(0, full.indexOf('@'));
}

function plannedHook(h: HookConfig, rest: Omit<PlannedHook, 'path' | 'timeoutMs' | 'errIsFatal'>): PlannedHook {
  const { phase, host, ...more } = rest;
  return { phase, host, path: h.path, timeoutMs: h.timeoutMs, errIsFatal: h.errIsFatal, ...more };
}

/**
 * Per pool batch, in batch order: every snapshot hook whose filesystems filter selects a dataset of the batch runs
 * before it (pre_snapshot, config order), then every one runs after it (post_snapshot, same order). Then, for a job
 * with a target and replication.hooks, one post_replication run per hook when the job has an action: a job with
 * nothing to do runs no hook, so an idle `zform apply` stays quiet.
 */
export function computeJobHooks(
  job: JobConfig, batches: { pool: string; snapshots: string[] }[], datasets: DatasetPlan[], selected: string[],
): PlannedHook[] {
  const out: PlannedHook[] = [];
  const hooks = job.snapshotting?.hooks ?? [];
  const filters = hooks.map((h) => (h.filesystems ? compileFilter(h.filesystems) : null));
  for (const b of batches) {
    const names = b.snapshots.map(datasetOf);
    const snapshot = b.snapshots[0]!.slice(b.snapshots[0]!.indexOf('@') + 1);
    const runs = hooks.map((h, i) => ({ h, datasets: names.filter((n) => filters[i]?.matches(n) ?? true) })).filter((r) => r.datasets.length > 0);
    for (const phase of ['pre_snapshot', 'post_snapshot'] as const) {
      for (const r of runs) out.push(plannedHook(r.h, { phase, host: job.source.host, pool: b.pool, snapshot, datasets: r.datasets }));
    }
  }
  const after = job.target ? job.replication.hooks ?? [] : [];
  // only with actions: `apply` runs no plan without them (a conflict alone is reported by apply's exit status)
  const busy = batches.length > 0 || datasets.some((d) => d.actions.length > 0);
  if (after.length > 0 && busy) {
    for (const h of after) out.push(plannedHook(h, { phase: 'post_replication', host: REPLICATION_HOOK_HOST, datasets: [...selected] }));
  }
  return out;
}
