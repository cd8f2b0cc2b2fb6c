// computePlan: the pure planner. Same input, same plan; no clock, no I/O.
import type { Plan } from './types.js';
import type { PlanInput } from './input.js';
import { PLAN_FORMAT_VERSION } from './types.js';
import { ZformError } from '../errors.js';
import { computeJobPlan } from './job.js';
import { computeWireChoice } from './wire.js';
import { addSummaries, computeJobSummary, emptySummary } from './summary.js';
import { computeForeignStaleLines } from './stale-abstractions.js';
import type { JobConfig } from '../config/types.js';
import type { JobPlan } from './types.js';

export type { PlanInput, JobInventory, DecodedResumeToken } from './input.js';

// Decisions where the issue was silent (judged against zrepl; details at each place):
// - GUIDs only, createtxg order, a source snapshot preferred over a bookmark of the same GUID; target bookmarks
//   ignored. A target without snapshots that is not a placeholder is no_common_snapshot (it would need -F).
// - A diverged or modified target is rolled back only when allowed; this job's own last-received holds on the
//   snapshots the rollback destroys are released first (shown), any other hold blocks the rollback.
// - -I never starts at a bookmark (zfs refuses: "multiple snapshots cannot be sent from a bookmark") and never
//   spans a snapshot replication.snapshots excludes.
// - Resume: raw-ness matters only for an encrypted source; a modified target makes a token unusable; an
//   unusable token is aborted only when the dataset can proceed (else a warning says it was left alone).
// - Up-to-date datasets are repaired: the last-received hold and the cursor move to the target's newest
//   snapshot (adoption, or an apply interrupted after the receive); stale step holds, tentative cursors,
//   other cursors and older last-received holds of this job are removed. Foreign ones are never touched.
// - Source placeholders are neither snapshotted nor sent; root_fs that is a missing pool is a job error;
//   root_fs's own parent must exist (only root_fs itself becomes a placeholder, DatasetPlan source "").
// - A job never selects its own target tree when source and target are one host.
// - Sizes are estimates from listed `written`, without `zfs send -nvP`.
// - send.compression applies to transfers with a remote (SSH) end only; a host without the program blocks every
//   send of the job's datasets with an error naming it (found by one `command -v` per host while listing).
// - Pruning (src/plan/prune*.ts) is one batched destroy_snapshots line per side, appended to the dataset's
//   chain after its sends, so it runs only when they succeeded and sees what they deliver; it counts the
//   snapshot this plan takes (the rules describe the state after apply; the destroy is skipped if that
//   snapshot was not taken). "Replicated" (not_replicated) = up to the newest source snapshot the target has
//   after the plan, from both listings (so it works without a cursor, e.g. guarantee_nothing). Never
//   destroyed: held snapshots (a warning names foreign holds), planned sends' bases before their send ran (by
//   order: the destroys follow every send of the chain, and a failed send stops the chain), the target's newest
//   snapshot, and under guarantee_nothing the source snapshot at the replication position. A blocked
//   (conflicted) dataset's target is not pruned; nothing is pruned in a job whose target side is unknown.
// - Holds and bookmarks of jobs that are not in the config are another job's: zrepl never touches them, and
//   removing them loses an incremental base if the job comes back (renamed back). The plan warns about them;
//   only --release-stale plans their removal (src/plan/stale-abstractions.ts). `zform holds release-stale` removes those and
//   every other stale one (deselected datasets, superseded) after confirmation.

/**
 * Jobs in the order given (config order); per job the snapshots due (one atomic batch per pool), then one
 * chain per dataset, parents first, each in execution order. Action ids are "<job>:<n>" in that order.
 */
export function computePlan(input: PlanInput): Plan {
  const planned = input.jobs.map((name) => {
    const job = input.config.jobs.find((j) => j.name === name);
    if (!job) throw new ZformError('internal', `job "${name}" is not in ${input.config.file}`);
    const failures = input.listingFailures?.[name] ?? [];
    if (failures.length > 0) return computeUnlistedJobPlan(job, failures);
    return computeJobPlan(job, input.inventories[name], {
      now: input.now, resumeTokens: input.resumeTokens, allowRollback: input.allowRollback,
      wire: computeWireChoice(job, input.config.hosts, input.programs ?? {}), fingerprints: input.fingerprints ?? true,
    });
  });
  // Holds and bookmarks of jobs no longer in the config: a warning, or release/destroy lines with --release-stale.
  const jobs = computeForeignStaleLines(planned, input.config, input.inventories, input.releaseStale ?? false);
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    zformVersion: input.zformVersion,
    createdAt: input.now.toISOString(),
    configFile: input.config.file,
    configDigest: input.config.digest,
    options: { jobs: [...input.jobs], allowRollback: input.allowRollback, releaseStale: input.releaseStale ?? false },
    jobs,
    summary: addSummaries(jobs.map((j) => j.summary ?? emptySummary())),
  };
}

/** A job whose source or target could not be listed: nothing planned, one error per host that failed. */
function computeUnlistedJobPlan(job: JobConfig, failures: { host: string; side: 'source' | 'target'; message: string }[]): JobPlan {
  const plan = {
    job: job.name, sourceHost: job.source.host, targetHost: job.target?.host ?? null, snapshots: [], datasets: [],
    diagnostics: failures.map((f) => ({
      severity: 'error' as const,
      summary: `cannot list ${f.side} host ${f.host}: ${f.message}`,
      detail: [`nothing of job ${job.name} is planned until ${f.host} can be listed; the other jobs are planned as usual`],
      job: job.name,
      host: f.host,
    })),
  };
  return { ...plan, summary: computeJobSummary(plan) };
}
