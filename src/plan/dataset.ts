// One dataset's chain: resume or abort, conflicts (never resolved by destroying unless a rollback is
// allowed), initial or incremental steps, and the protection lines around each step.
import type { JobConfig } from '../config/types.js';
import type { DatasetRecord, SendFlags, VersionRecord } from '../zfs/types.js';
import type { Action, Conflict, Diagnostic, VersionRef } from './types.js';
import type { DecodedResumeToken } from './input.js';
import type { ListingIndex } from './listing-index.js';
import type { DueSnapshot } from './snapshots.js';
import { refOf } from './listing-index.js';
import { computeResumeCheck, findByGuid } from './resume.js';
import { computeSteps, estimateBytes, type Step, type TimelineEntry } from './steps.js';
import { createAbstractionTracker } from './protection.js';
import { makeLastReceivedHoldTag } from '../zfs/names.js';
import { fullName } from './paths.js';
import { formatBytes } from '../config/units.js';
import { computeReceiveProblem } from './receive-compat.js';

export interface DatasetChainInput {
  job: JobConfig;
  sourceHost: string;
  targetHost: string;
  source: DatasetRecord;
  sourceIndex: ListingIndex;
  targetName: string;
  target: DatasetRecord | undefined;
  targetIndex: ListingIndex;
  planned: DueSnapshot | undefined;
  replicable: (snapshotName: string) => boolean;
  resumeTokens: Record<string, DecodedResumeToken>;
  allowRollback: boolean;
}

export interface DatasetChain {
  actions: Action[];
  diagnostics: Diagnostic[];
  /** the chain creates the target dataset (full receive into a missing one), so its parent must exist first */
  createsTarget: boolean;
}

/** `tank/a@s1 (guid 123, createtxg 45)` */
export function describeVersion(ref: VersionRef): string {
  return `${fullName(ref)} (guid ${ref.guid ?? 'known after apply'}, createtxg ${ref.createtxg ?? 'known after apply'})`;
}

function plural(n: number, one: string, many = one + 's'): string { return `${n} ${n === 1 ? one : many}`; }

export function sendFlagsOf(job: JobConfig): SendFlags {
  const s = job.send;
  return { raw: s.raw || s.encrypted, properties: s.properties, backupProperties: s.backupProperties, largeBlocks: s.largeBlocks, compressed: s.compressed, embeddedData: s.embeddedData };
}

export function computeDatasetChain(input: DatasetChainInput): DatasetChain {
  const { job, source, target, targetName: T } = input;
  const S = source.name;
  const diagnostics: Diagnostic[] = [];
  const diag = (severity: Diagnostic['severity'], summary: string, detail: string[], conflict?: Conflict): Diagnostic =>
    ({ severity, summary, detail, job: job.name, dataset: S, ...(conflict ? { conflict } : {}) });
  const blocked = (...errors: Diagnostic[]): DatasetChain => ({ actions: [], diagnostics: [...diagnostics, ...errors], createsTarget: false });

  // A source placeholder holds no data: no steps (it still counts as a parent).
  if (source.placeholder) return { actions: [], diagnostics, createsTarget: false };

  const flags = sendFlagsOf(job);
  const sourceEncrypted = source.encryption !== 'off';
  if (job.send.encrypted && !sourceEncrypted) {
    return blocked(diag('error', `send.encrypted is set, but ${S} is not encrypted`, ['an encrypted (raw) send needs an encrypted source; exclude the dataset or turn send.encrypted off']));
  }
  if (!flags.raw && sourceEncrypted && source.keyStatus === 'unavailable') {
    return blocked(diag('error', `cannot send ${S} decrypted: its key is not loaded`, ['load the key (zfs load-key), or send it raw with send.encrypted']));
  }

  // The source timeline: every snapshot and bookmark in createtxg order, then the snapshot this plan takes.
  const sourceVersions = input.sourceIndex.versions(S);
  const sourceSnapshots = sourceVersions.filter((v) => v.kind === 'snapshot');
  const timeline: TimelineEntry[] = sourceVersions.map((v) => ({ ref: refOf(v), written: v.kind === 'snapshot' ? v.written : 0, replicable: v.kind === 'snapshot' && input.replicable(v.name) }));
  if (input.planned) timeline.push({ ref: input.planned.ref, written: input.planned.written, replicable: input.replicable(input.planned.ref.name) });
  const replicableAfter = (ref: VersionRef | null): TimelineEntry[] => {
    const start = ref === null ? -1 : timeline.findIndex((e) => e.ref.kind === ref.kind && e.ref.name === ref.name);
    return timeline.slice(start + 1).filter((e) => e.replicable && (ref === null || e.ref.guid === null || e.ref.guid !== ref.guid));
  };

  const targetVersions = target ? input.targetIndex.versions(T) : [];
  const targetSnapshots = targetVersions.filter((v) => v.kind === 'snapshot');
  const targetNewest = targetSnapshots[targetSnapshots.length - 1] ?? null;

  const resume = computeResumeCheck({
    token: target?.resumeToken ?? null,
    decoded: target?.resumeToken ? input.resumeTokens[target.resumeToken] : undefined,
    sourceDataset: S, sourceEncrypted, jobRaw: flags.raw, sourceVersions, targetNewest,
    targetWritten: target?.written ?? 0, replicable: input.replicable,
  });

  const tracker = createAbstractionTracker({
    job: job.name, sourceHost: input.sourceHost, targetHost: input.targetHost, sourceDataset: S, targetDataset: T,
    sourceVersions, targetSnapshots,
    sourceHolds: (s) => input.sourceIndex.holds(s),
    targetHolds: (s) => input.targetIndex.holds(s),
  });
  const src = { host: input.sourceHost, side: 'source' as const };
  const tgt = { host: input.targetHost, side: 'target' as const };

  // An unusable token is aborted first (only if the dataset can proceed at all). Aborting a partial
  // *full* receive (a non-placeholder target without snapshots) removes the dataset.
  const pre: Action[] = [];
  let targetAbsent = !target;
  let tokenNote: ((aborting: boolean) => Diagnostic) | null = null;
  if (resume.kind === 'invalid') {
    const removes = !!target && !target.placeholder && targetSnapshots.length === 0;
    if (removes) targetAbsent = true;
    pre.push({ id: '', ...tgt, kind: 'abort_resume', dataset: T, reason: resume.reason });
    tokenNote = (aborting) => diag('warning', `interrupted receive on ${T} cannot be resumed: ${resume.reason}`, [aborting
      ? `planned: zfs receive -A ${T}${removes ? ', which removes the partially received dataset' : ''}, then replication as if it had not started`
      : 'left as it is, because the dataset cannot proceed (see the error)'], { type: 'resume_token_unusable', reason: resume.reason });
  }
  const blockedWithToken = (...errors: Diagnostic[]): DatasetChain => blocked(...(tokenNote ? [tokenNote(false)] : []), ...errors);
  const emptyPlaceholder = !targetAbsent && !!target && target.placeholder && targetSnapshots.length === 0;
  const protection = job.replication.protection;

  let steps: Step[];
  let force = false;
  const middle: Action[] = [];
  let tidyAt: VersionRecord | null = null;

  if (resume.kind === 'valid') {
    const estimate = resume.bytesDone === null ? null : Math.max(0, estimateBytes(timeline, resume.from, resume.to) - resume.bytesDone);
    const resumeStep: Step = {
      mode: 'resume', from: resume.from, to: resume.to, intermediates: false, includes: [resume.to],
      protection: resume.from ? protection.incremental : protection.initial, token: resume.token, estimatedBytes: estimate,
      reason: `resumes the interrupted receive of @${resume.to.name} (receive_resume_token)${resume.bytesDone !== null ? `, ${formatBytes(resume.bytesDone)} already received` : ''}`,
    };
    force = emptyPlaceholder;
    const rest = computeSteps({ timeline, start: resume.to, targets: replicableAfter(resume.to), protection, fullReason: '', firstIsInitial: false });
    steps = [resumeStep, ...rest];
  } else if (targetAbsent || emptyPlaceholder) {
    const candidates = replicableAfter(null);
    if (candidates.length === 0) {
      return blockedWithToken(diag('error', `${S} has no snapshots to replicate`, [sourceSnapshots.length > 0
        ? `none of its ${plural(sourceSnapshots.length, 'snapshot')} matches replication.snapshots "${job.replication.snapshots ?? ''}"`
        : `configure snapshotting for job ${job.name}, or take a snapshot of ${S}`], { type: 'source_has_no_snapshots' }));
    }
    const mostRecent = job.replication.initial === 'most_recent';
    const chosen = mostRecent ? [candidates[candidates.length - 1]!] : candidates;
    force = emptyPlaceholder;
    const fullReason = (mostRecent
      ? 'initial replication (initial: most_recent): full send of the newest snapshot'
      : `initial replication (initial: all): full send of the oldest snapshot${chosen.length > 1 ? ', the others follow incrementally' : ''}`)
      + (force ? `; replaces placeholder ${T}, which holds no data (receive -F)` : '');
    steps = computeSteps({ timeline, start: null, targets: chosen, protection, fullReason, firstIsInitial: true });
  } else {
    if (!target || !targetNewest) {
      return blockedWithToken(diag('error', `no common snapshot: ${T} exists but has no snapshots`, [
        `a full send would overwrite it (zfs receive -F), which zform never does: destroy or rename ${T} if it should be replaced`,
      ], { type: 'no_common_snapshot', sourceNewest: newestSnapshotRef(timeline), targetNewest: null }));
    }
    const common = [...targetSnapshots].reverse().find((t) => sourceVersions.some((v) => v.guid === t.guid));
    if (!common) {
      if (sourceSnapshots.length === 0 && !input.planned) {
        return blockedWithToken(diag('error', `${S} has no snapshots to replicate`, [`and none of ${T}'s snapshots is on the source (no common snapshot either)`], { type: 'source_has_no_snapshots' }));
      }
      return blockedWithToken(diag('error', `no common snapshot: none of ${T}'s snapshots is on the source`, [
        `zform never overwrites a target that has data: destroy or rename ${T} if it should be replaced by a full send`,
      ], { type: 'no_common_snapshot', sourceNewest: newestSnapshotRef(timeline), targetNewest: refOf(targetNewest) }));
    }
    const base = findByGuid(sourceVersions, common.guid)!;
    const diverged = common !== targetNewest;
    const modified = target.written > 0;
    if (diverged || modified) {
      const point = diverged ? common : targetNewest;
      const destroyed = targetVersions.filter((v) => v.createtxg > point.createtxg);
      const conflicts: { summary: string; detail: string[]; conflict: Conflict }[] = [];
      if (diverged) {
        const targetOnly = targetSnapshots.filter((v) => v.createtxg > common.createtxg).map(refOf);
        const sourceOnly = timeline.filter((e) => e.ref.kind === 'snapshot' && (e.ref.createtxg === null || e.ref.createtxg > base.createtxg)).map((e) => e.ref);
        conflicts.push({
          summary: `target diverged: ${T}'s newest snapshot @${targetNewest.name} is not on the source`,
          detail: input.allowRollback
            ? [`planned: roll ${T} back to @${common.name}, the newest common snapshot, destroying ${plural(destroyed.length, 'newer version')} (allowed by --allow-rollback or replication.allow_rollback)`]
            : [`zform never destroys target snapshots on its own: --allow-rollback (or replication.allow_rollback) would roll ${T} back to @${common.name}, destroying ${plural(targetOnly.length, 'snapshot')}`],
          conflict: { type: 'diverged', commonAncestor: refOf(base), sourceOnly, targetOnly },
        });
      }
      if (modified) {
        conflicts.push({
          summary: `target modified: ${T} was written to since its newest snapshot @${targetNewest.name} (${target.written} bytes)`,
          detail: input.allowRollback
            ? [`planned: roll ${T} back to @${point.name}, discarding the changes (allowed by --allow-rollback or replication.allow_rollback)`]
            : ['zfs receive would refuse it; keep targets unmodified with recv.properties.override readonly: "on"', `--allow-rollback (or replication.allow_rollback) would roll ${T} back to @${point.name}, discarding the changes`],
          conflict: { type: 'target_modified', newest: refOf(targetNewest), writtenBytes: target.written },
        });
      }
      if (!input.allowRollback) return blockedWithToken(...conflicts.map((c) => diag('error', c.summary, c.detail, c.conflict)));
      // A rollback destroys the newer versions; a hold this job did not place blocks it.
      const lrTag = makeLastReceivedHoldTag(job.name);
      const heldBy: string[] = [];
      for (const v of destroyed) {
        if (v.kind !== 'snapshot') continue;
        const holds = input.targetIndex.holds(`${T}@${v.name}`);
        const foreign = holds.filter((h) => h.tag !== lrTag).map((h) => h.tag);
        const ours = holds.length - foreign.length;
        if (foreign.length > 0) heldBy.push(`@${v.name} (${foreign.join(', ')})`);
        else if (v.userrefs > ours) heldBy.push(`@${v.name} (${plural(v.userrefs - ours, 'hold')})`);
      }
      if (heldBy.length > 0) {
        return blockedWithToken(...conflicts.map((c) => diag('error', c.summary, [
          `cannot roll back to @${point.name}: held snapshots would be destroyed: ${heldBy.join(', ')}`,
          'zform never releases holds it did not place; release them, then plan again',
        ], c.conflict)));
      }
      diagnostics.push(...conflicts.map((c) => diag('warning', c.summary, c.detail, c.conflict)));
      const destroyedRefs = destroyed.map(refOf);
      middle.push(...tracker.releaseTargetHolds(destroyedRefs.filter((r) => r.kind === 'snapshot'), `the rollback to @${point.name} destroys the snapshot`));
      middle.push({
        id: '', ...tgt, kind: 'rollback', dataset: T, to: refOf(point), destroys: destroyedRefs,
        reason: diverged
          ? `target diverged: back to @${point.name}, the newest snapshot it shares with the source`
          : `target modified since @${point.name}: discard the changes`,
      });
    }
    steps = computeSteps({ timeline, start: refOf(base), targets: replicableAfter(refOf(base)), protection, fullReason: '', firstIsInitial: false });
    if (steps.length === 0) tidyAt = diverged ? common : targetNewest;
  }

  // A receive the target's encryption makes impossible blocks the dataset (only when something would be sent).
  const problem = steps.length === 0 ? null : computeReceiveProblem({
    sourceDataset: S, targetHost: input.targetHost, target: targetAbsent || !target ? null : target, encryptedStream: flags.raw && sourceEncrypted,
    sourceEncrypted, replacesPlaceholder: force && steps[0]!.mode === 'full', job: job.name,
  });
  if (problem) return blockedWithToken(diag('error', problem.summary, problem.detail));
  if (tokenNote) diagnostics.push(tokenNote(true));
  const actions: Action[] = [...pre, ...middle];
  steps.forEach((step, i) => {
    actions.push(...tracker.protect(step));
    actions.push({
      id: '', ...src, kind: 'send', mode: step.mode, targetHost: input.targetHost, sourceDataset: S, targetDataset: T,
      from: step.from, to: step.to, intermediates: step.intermediates, includes: step.includes, token: step.token,
      flags: { ...flags },
      receive: { resumable: true, force: force && i === 0, override: { ...job.recv.properties.override }, inherit: [...job.recv.properties.inherit] },
      protection: step.protection, estimatedBytes: step.estimatedBytes, reason: step.reason,
    });
    actions.push(...tracker.complete(step));
  });
  if (tidyAt) actions.push(...tracker.tidy(protection.incremental, tidyAt));
  return { actions, diagnostics, createsTarget: targetAbsent && steps.length > 0 };
}

function newestSnapshotRef(timeline: TimelineEntry[]): VersionRef | null {
  for (let i = timeline.length - 1; i >= 0; i--) if (timeline[i]!.ref.kind === 'snapshot') return timeline[i]!.ref;
  return null;
}
