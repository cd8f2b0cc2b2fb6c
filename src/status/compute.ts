// computeStatus: each job's verdict from what ZFS shows now and from the plan made of the same listing.
// Pure: every input is a parameter (the clock too).
//
// Verdicts, per dataset (documented in man/zform.1, STATUS):
// - failing: the plan has an error for it that is not a conflict (a key not loaded, no snapshots to send,
//   the job's root_fs is a missing pool, the target could not be listed), or an interrupted receive waits
//   on the target (receive_resume_token): the last apply did not finish.
// - conflict: the plan refuses it for a conflict (diverged or modified target, no common snapshot).
// - lagging: nothing replicated yet, or the newest replicated snapshot is older than the job's threshold
//   (2 x snapshotting.interval; with --lag-threshold, that) while the job snapshots or snapshots are pending.
//   Without snapshotting and without --lag-threshold the threshold is 0: any pending snapshot is lag.
//   A job without a target is lagging when its newest snapshot of the prefix is older than the threshold.
// - ok otherwise. A job's verdict is the worst of its datasets' and its own (job errors are failing).
import type { Config, JobConfig } from '../config/types.js';
import type { DatasetRecord, VersionRecord } from '../zfs/types.js';
import type { DatasetPlan, JobPlan, Plan } from '../plan/types.js';
import type { DecodedResumeToken, JobInventory } from '../plan/input.js';
import type { DatasetStatus, JobStatus, SnapshotInfo, StatusReport, Verdict, ResumeState } from './types.js';
import { STATUS_FORMAT_VERSION, VERDICT_ORDER } from './types.js';
import { selectDatasets } from '../plan/selection.js';
import { computeIncrementalPath, incrementalBase, newestCommonSnapshot } from '../plan/incremental-path.js';
import { compileRegex } from '../config/regex.js';
import { indexListing, type ListingIndex } from '../plan/listing-index.js';
import { makeLastReceivedHoldTag, makeStepHoldTag } from '../zfs/names.js';
import { parseOwnedBookmark, snapshotsHeldWith } from '../plan/abstractions.js';
import { formatAge, formatDuration } from '../config/units.js';

export interface StatusInput {
  config: Config;
  /** selected job names, in config order */
  jobs: string[];
  inventories: Record<string, JobInventory>;
  resumeTokens: Record<string, DecodedResumeToken>;
  /** computePlan of the same inventories */
  plan: Plan;
  now: Date;
  zformVersion: string;
  /** --lag-threshold, overriding every job's own */
  lagThresholdMs?: number;
}

/** Conflict types that block a dataset until someone decides (an unusable token is aborted by the plan). */
const BLOCKING_CONFLICTS = new Set(['diverged', 'no_common_snapshot', 'recreated', 'target_modified']);

export function worstVerdict(verdicts: Verdict[]): Verdict {
  let worst: Verdict = 'ok';
  for (const v of verdicts) if (VERDICT_ORDER.indexOf(v) < VERDICT_ORDER.indexOf(worst)) worst = v;
  return worst;
}

/** The job's lag threshold in ms: the override, else 2 x snapshotting.interval, else 0. */
export function lagThresholdMs(job: JobConfig, override?: number): number {
  if (override !== undefined) return override;
  return job.snapshotting ? 2 * job.snapshotting.intervalMs : 0;
}

function thresholdText(ms: number): string {
  return ms === 0 ? 'threshold 0: any pending snapshot is lag' : `threshold ${formatDuration(ms)}`;
}

function info(v: VersionRecord): SnapshotInfo {
  return { name: v.name, guid: v.guid, createdAt: new Date(v.creation * 1000).toISOString() };
}

export function computeStatus(input: StatusInput): StatusReport {
  const jobs = input.jobs.map((name) => {
    const job = input.config.jobs.find((j) => j.name === name)!;
    const jobPlan = input.plan.jobs.find((j) => j.job === name);
    return computeJobStatus(job, input.inventories[name], jobPlan, input);
  });
  return {
    formatVersion: STATUS_FORMAT_VERSION,
    zformVersion: input.zformVersion,
    createdAt: input.now.toISOString(),
    configFile: input.config.file,
    verdict: worstVerdict(jobs.map((j) => j.verdict)),
    jobs,
  };
}

function computeJobStatus(job: JobConfig, inventory: JobInventory | undefined, jobPlan: JobPlan | undefined, input: StatusInput): JobStatus {
  const threshold = lagThresholdMs(job, input.lagThresholdMs);
  const reasons = (jobPlan?.diagnostics ?? []).filter((d) => d.severity === 'error').map((d) => d.summary);
  if (!inventory) reasons.push(`nothing was listed for job ${job.name}`);
  const datasets: DatasetStatus[] = [];
  if (inventory) {
    const sourceIndex = indexListing(inventory.source);
    const targetIndex = inventory.target ? indexListing(inventory.target) : null;
    for (const d of selectDatasets(job, sourceIndex).selected) {
      const dsPlan = jobPlan?.datasets.find((p) => p.source === d.name);
      datasets.push(computeDatasetStatus(job, d, sourceIndex, targetIndex, dsPlan, threshold, input));
    }
  }
  const lastTimes = datasets.map((d) => d.lastSnapshot?.createdAt).filter((t): t is string => t !== undefined).sort();
  const verdict = worstVerdict([reasons.length > 0 ? 'failing' : 'ok', ...datasets.map((d) => d.verdict)]);
  const counts = VERDICT_ORDER.filter((v) => v !== 'ok').map((v) => [v, datasets.filter((d) => d.verdict === v).length] as const).filter(([, n]) => n > 0);
  if (counts.length > 0) reasons.push(counts.map(([v, n]) => `${n} dataset${n === 1 ? '' : 's'} ${v}`).join(', '));
  // targets whose source is gone: listed, without changing the verdict (the plan only warns, or destroys as configured)
  for (const p of jobPlan?.datasets ?? []) {
    for (const d of p.diagnostics) if (d.conflict?.type === 'source_missing') reasons.push(d.summary);
  }
  return {
    job: job.name,
    sourceHost: job.source.host,
    targetHost: job.target?.host ?? null,
    verdict,
    reasons,
    unlistedHosts: [...new Set((jobPlan?.diagnostics ?? []).filter((d) => d.severity === 'error' && d.host !== undefined).map((d) => d.host!))],
    lagThresholdSeconds: threshold / 1000,
    lastSnapshotAt: lastTimes[lastTimes.length - 1] ?? null,
    datasets,
  };
}

function computeDatasetStatus(
  job: JobConfig, d: DatasetRecord, sourceIndex: ListingIndex, targetIndex: ListingIndex | null,
  dsPlan: DatasetPlan | undefined, thresholdMs: number, input: StatusInput,
): DatasetStatus {
  const nowS = input.now.getTime() / 1000;
  const replicable = job.replication.snapshots !== undefined ? compileRegex(job.replication.snapshots) : null;
  const isReplicable = (n: string) => replicable === null || replicable.test(n);
  const sourceVersions = sourceIndex.versions(d.name);
  const sourceSnapshots = sourceVersions.filter((v) => v.kind === 'snapshot');
  const ours = job.snapshotting
    ? sourceSnapshots.filter((v) => v.name.startsWith(job.snapshotting!.prefix))
    : sourceSnapshots.filter((v) => isReplicable(v.name));
  const last = ours[ours.length - 1] ?? null;
  const { conflicts, errors } = planProblems(dsPlan);
  const base = {
    source: d.name, lastSnapshot: last ? info(last) : null, plannedSends: dsPlan?.actions.filter((a) => a.kind === 'send').length ?? 0,
    ...sourceAbstractions(job, sourceIndex, sourceVersions), conflicts, errors,
  };

  if (!job.target || !targetIndex) {
    // Snapshot-only job: only the age of its newest snapshot matters (when it snapshots at all).
    const reasons: string[] = [];
    if (job.snapshotting && !d.placeholder) {
      if (!last) reasons.push(`no ${job.snapshotting.prefix}* snapshot yet`);
      else if ((nowS - last.creation) * 1000 > thresholdMs) reasons.push(`newest snapshot @${last.name} is ${formatAge((nowS - last.creation) * 1000)} old (${thresholdText(thresholdMs)})`);
    }
    reasons.push(...errors);
    return {
      ...base, target: null, verdict: errors.length > 0 ? 'failing' : reasons.length > 0 ? 'lagging' : 'ok', reasons,
      newestReplicated: null, lagSeconds: null, pendingSnapshots: 0, resume: null, lastReceivedHolds: [],
    };
  }

  const T = `${job.target.rootFs}/${d.name}`;
  const target = targetIndex.dataset(T);
  const targetSnapshots = target ? targetIndex.versions(T).filter((v) => v.kind === 'snapshot') : [];
  const path = computeIncrementalPath(sourceVersions, targetSnapshots);
  const newest = newestCommonSnapshot(path);
  const baseTxg = incrementalBase(path)?.createtxg ?? -1;
  const onTarget = new Set(targetSnapshots.map((t) => t.guid));
  const pending = sourceSnapshots.filter((v) => isReplicable(v.name) && v.createtxg > baseTxg && !onTarget.has(v.guid)).length;
  const lrTag = makeLastReceivedHoldTag(job.name);
  const lastReceivedHolds = snapshotsHeldWith(targetSnapshots, (s) => targetIndex.holds(s), lrTag).map((v) => v.name);
  const lagS = newest ? Math.max(0, nowS - newest.creation) : null;
  const resume = target?.resumeToken ? resumeState(target.resumeToken, dsPlan, input) : null;
  const replicableSource = sourceSnapshots.some((v) => isReplicable(v.name));
  const judged = replicationVerdict({ job, T, placeholder: d.placeholder, errors, conflicts, resume, newest, lagS, pending, replicableSource, thresholdMs });
  return {
    ...base, target: T, ...judged, newestReplicated: newest ? info(newest) : null,
    lagSeconds: lagS === null ? null : Math.round(lagS), pendingSnapshots: pending, resume, lastReceivedHolds,
  };
}

/** The plan's errors for the dataset: blocking conflicts, and the others. */
function planProblems(dsPlan: DatasetPlan | undefined): { conflicts: DatasetStatus['conflicts']; errors: string[] } {
  const conflicts: DatasetStatus['conflicts'] = [];
  const errors: string[] = [];
  for (const diag of dsPlan?.diagnostics ?? []) {
    if (diag.conflict && BLOCKING_CONFLICTS.has(diag.conflict.type) && diag.severity === 'error') conflicts.push({ summary: diag.summary, conflict: diag.conflict });
    else if (diag.severity === 'error') errors.push(diag.summary);
  }
  return { conflicts, errors };
}

/** This job's cursor, tentative cursors and step holds on the source dataset. */
function sourceAbstractions(job: JobConfig, sourceIndex: ListingIndex, sourceVersions: readonly VersionRecord[]): Pick<DatasetStatus, 'cursor' | 'tentativeCursors' | 'stepHolds'> {
  const cursors = sourceVersions.map((v) => ({ v, p: parseOwnedBookmark(v) })).filter(({ p }) => p !== null && p.job === job.name);
  const stepTag = makeStepHoldTag(job.name);
  return {
    cursor: cursors.filter(({ p }) => p!.type === 'cursor').pop()?.v.name ?? null,
    tentativeCursors: cursors.filter(({ p }) => p!.type === 'tentative_cursor').map(({ v }) => v.name),
    stepHolds: snapshotsHeldWith(sourceVersions, (s) => sourceIndex.holds(s), stepTag).map((v) => v.name),
  };
}

/** An interrupted receive on the target: what it receives and whether the plan resumes it. */
function resumeState(token: string, dsPlan: DatasetPlan | undefined, input: StatusInput): ResumeState {
  const decoded = input.resumeTokens[token];
  const resumes = dsPlan?.actions.some((a) => a.kind === 'send' && a.mode === 'resume') ?? false;
  const unusable = dsPlan?.diagnostics.find((x) => x.conflict?.type === 'resume_token_unusable');
  return {
    toname: decoded && !('error' in decoded) ? decoded.toname : null,
    bytesDone: decoded && !('error' in decoded) && decoded.bytes !== undefined ? decoded.bytes : null,
    usable: resumes,
    reason: resumes ? null : unusable?.conflict?.type === 'resume_token_unusable' ? unusable.conflict.reason : decoded && 'error' in decoded ? decoded.error : 'the plan does not resume it',
  };
}

interface ReplicationFacts {
  job: JobConfig;
  T: string;
  placeholder: boolean;
  errors: string[];
  conflicts: DatasetStatus['conflicts'];
  resume: ResumeState | null;
  newest: VersionRecord | null;
  lagS: number | null;
  pending: number;
  /** the source has a snapshot replication.snapshots accepts */
  replicableSource: boolean;
  thresholdMs: number;
}

/** failing, conflict, lagging or ok, with the reasons (see the top of this file). */
function replicationVerdict(f: ReplicationFacts): { verdict: Verdict; reasons: string[] } {
  const { T, resume, newest, pending } = f;
  const reasons: string[] = [];
  const pendingNote = (sep: string) => (pending > 0 ? `${sep}${pending} snapshot${pending === 1 ? '' : 's'} pending` : '');
  if (f.errors.length > 0 || resume) {
    reasons.push(...f.errors);
    if (resume) {
      const what = resume.toname ? ` of ${resume.toname.slice(resume.toname.indexOf('@'))}` : '';
      const done = resume.bytesDone !== null ? `, ${resume.bytesDone} bytes received` : '';
      reasons.push(`interrupted receive${what} on ${T}${done}: ${resume.usable ? 'the next apply resumes it' : `cannot be resumed (${resume.reason})`}`);
    }
    return { verdict: 'failing', reasons };
  }
  if (f.conflicts.length > 0) return { verdict: 'conflict', reasons: f.conflicts.map((c) => c.summary) };
  if (f.placeholder) return { verdict: 'ok', reasons };
  if (!newest) {
    if (f.replicableSource || f.job.snapshotting) {
      return { verdict: 'lagging', reasons: [`nothing replicated to ${T} yet${pending > 0 ? ` (${pendingNote('')})` : ''}`] };
    }
  } else if (f.lagS! * 1000 > f.thresholdMs && (f.job.snapshotting !== undefined || pending > 0)) {
    return { verdict: 'lagging', reasons: [`newest replicated snapshot @${newest.name} is ${formatAge(f.lagS! * 1000)} old (${thresholdText(f.thresholdMs)})${pendingNote(', ')}`] };
  }
  return { verdict: 'ok', reasons };
}
