// One dataset's chain: resume or abort, conflicts (never resolved by destroying unless a rollback is
// allowed), initial or incremental steps, and the protection lines around each step.
import type { JobConfig } from '../config/types.js';
import type { DatasetRecord, SendFlags, VersionRecord } from '../zfs/types.js';
import type { Action, Conflict, Diagnostic, VersionRef } from './types.js';
import type { DecodedResumeToken } from './input.js';
import type { ListingIndex } from './listing-index.js';
import type { DueSnapshot } from './snapshots.js';
import { refOf } from './listing-index.js';
import { computeResumeCheck, type ResumeCheck } from './resume.js';
import { computeSteps, estimateBytes, timelineIndex, type Step, type Timeline, type TimelineEntry } from './steps.js';
import { createAbstractionTracker, type AbstractionTracker } from './protection.js';
import { computeIncrementalPath, incrementalBase, newestCommonSnapshot, type IncrementalConflict } from './incremental-path.js';
import { makeLastReceivedHoldTag } from '../zfs/names.js';
import { formatBytes } from '../config/units.js';
import { computeReceiveProblem } from './receive-compat.js';
import { plural } from '../text.js';
import { renderCompression } from '../zfs/wire.js';
import type { WireChoice } from './wire.js';

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
  /** the job's compression on the wire; a problem blocks the dataset when it has something to send */
  wire?: WireChoice;
  /** a source clone whose origin is on the target (or arrives there first, in this plan): its first step is sent
   *  incrementally from the origin and received as a clone of `targetOrigin` (job.ts, cloneSends) */
  cloneFrom?: { origin: VersionRecord; targetOrigin: string };
  /** snapshots of this dataset that new clones in the job's selection were made from: a first replication starts at
   *  the oldest of them, so that they reach the target and the clones can be received as clones */
  cloneOrigins?: readonly VersionRecord[];
}

export interface DatasetChain {
  actions: Action[];
  diagnostics: Diagnostic[];
  /** the chain creates the target dataset (full receive into a missing one), so its parent must exist first */
  createsTarget: boolean;
}

export function sendFlagsOf(job: JobConfig): SendFlags {
  const s = job.send;
  return { raw: s.raw || s.encrypted, properties: s.properties, backupProperties: s.backupProperties, largeBlocks: s.largeBlocks, compressed: s.compressed, embeddedData: s.embeddedData };
}


/** What every part of one chain reads: the input, the source timeline, the target's versions, the tracker. */
interface ChainContext {
  input: DatasetChainInput;
  S: string;
  T: string;
  flags: SendFlags;
  sourceEncrypted: boolean;
  /** every source snapshot and bookmark in createtxg order, then the snapshot this plan takes */
  timeline: Timeline;
  sourceVersions: readonly VersionRecord[];
  targetVersions: readonly VersionRecord[];
  targetSnapshots: VersionRecord[];
  tracker: AbstractionTracker;
  diag: (severity: Diagnostic['severity'], summary: string, detail: string[], conflict?: Conflict) => Diagnostic;
}

/** The steps a chain sends, and what comes before them (a rollback and the releases it needs). */
interface ChainSteps {
  steps: Step[];
  /** the first step replaces an empty placeholder (receive -F) */
  force: boolean;
  middle: Action[];
  /** up to date at this target snapshot: tidy the abstractions there */
  tidyAt: VersionRecord | null;
  /** conflicts a rollback resolves (allowed by --allow-rollback) */
  warnings?: Diagnostic[];
}

type Blocked = { blocked: Diagnostic[] };

/** The most a placeholder may hold and still be replaced by receive -F: an empty filesystem holds tens of KiB
 *  (its metadata; more when encrypted), files are what this keeps from being overwritten unseen. */
export const PLACEHOLDER_MAX_WRITTEN = 1024 * 1024;

export function computeDatasetChain(input: DatasetChainInput): DatasetChain {
  const { job, source } = input;
  // A source placeholder holds no data: no steps (it still counts as a parent).
  if (source.placeholder) return { actions: [], diagnostics: [], createsTarget: false };
  const ctx = chainContext(input);
  const refused = sourceProblem(ctx);
  if (refused) return { actions: [], diagnostics: [refused], createsTarget: false };

  const targetNewest = ctx.targetSnapshots[ctx.targetSnapshots.length - 1] ?? null;
  const resume = computeResumeCheck({
    token: input.target?.resumeToken ?? null,
    decoded: input.target?.resumeToken ? input.resumeTokens[input.target.resumeToken] : undefined,
    sourceDataset: ctx.S, sourceEncrypted: ctx.sourceEncrypted, jobRaw: ctx.flags.raw, sourceVersions: ctx.sourceVersions, targetNewest,
    targetWritten: input.target?.written ?? 0, replicable: input.replicable,
    ...(input.cloneFrom ? { origin: input.cloneFrom.origin } : {}),
  });
  const token = tokenAbort(ctx, resume);
  const blocked = (...errors: Diagnostic[]): DatasetChain =>
    ({ actions: [], diagnostics: [...(token.note ? [token.note(false)] : []), ...errors], createsTarget: false });
  const emptyPlaceholder = !token.targetAbsent && !!input.target && input.target.placeholder && ctx.targetSnapshots.length === 0;
  // receive -F replaces the placeholder with all it holds: only while it holds no more than an empty dataset does
  // (someone may have mounted it and stored files there)
  if (emptyPlaceholder && resume.kind !== 'valid' && input.target!.written > PLACEHOLDER_MAX_WRITTEN) {
    return blocked(ctx.diag('error', `placeholder ${ctx.T} holds data: ${formatBytes(input.target!.written)} written into it`, [
      `zform replaces only an empty placeholder (receive -F), and never overwrites data the plan cannot name`,
      `move the data off ${ctx.T} and destroy it (zform makes a new placeholder), or set zform:placeholder=off on it to keep it as a dataset of its own`,
    ]));
  }

  const planned = resume.kind === 'valid' ? resumeSteps(ctx, resume, emptyPlaceholder)
    : token.targetAbsent || emptyPlaceholder ? initialSteps(ctx, emptyPlaceholder)
      : incrementalSteps(ctx);
  if ('blocked' in planned) return blocked(...planned.blocked);
  const { steps, force, middle, tidyAt } = planned;

  // A receive the target's encryption makes impossible blocks the dataset (only when something would be sent).
  const problem = steps.length === 0 ? null : computeReceiveProblem({
    sourceDataset: ctx.S, targetHost: input.targetHost, target: token.targetAbsent || !input.target ? null : input.target,
    encryptedStream: ctx.flags.raw && ctx.sourceEncrypted, sourceEncrypted: ctx.sourceEncrypted,
    replacesPlaceholder: force && steps[0]!.mode === 'full', job: job.name,
  });
  if (problem) return blocked(ctx.diag('error', problem.summary, problem.detail));
  // send.compression needs its program on both hosts (src/plan/wire.ts)
  const wireProblem = steps.length === 0 ? null : input.wire?.problem ?? null;
  if (wireProblem) return blocked(ctx.diag('error', wireProblem.summary, wireProblem.detail));
  const elsewhere = cursorElsewhere(ctx);
  const diagnostics = [...(planned.warnings ?? []), ...(token.note ? [token.note(true)] : []), ...(elsewhere ? [elsewhere] : [])];
  const actions: Action[] = [...token.pre, ...middle, ...stepActions(ctx, steps, force)];
  if (tidyAt) actions.push(...ctx.tracker.tidy(job.replication.protection.incremental, tidyAt));
  return { actions, diagnostics, createsTarget: token.targetAbsent && steps.length > 0 };
}

function chainContext(input: DatasetChainInput): ChainContext {
  const { job, source, target, targetName: T } = input;
  const S = source.name;
  const sourceVersions = input.sourceIndex.versions(S);
  let planned: TimelineEntry | null = null;
  if (input.planned) {
    const { ref, written } = input.planned;
    planned = { kind: ref.kind, name: ref.name, guid: ref.guid, ref, written, replicable: input.replicable(ref.name) };
  }
  const timeline = new SourceTimeline(sourceVersions, planned, input.replicable);
  const targetVersions = target ? input.targetIndex.versions(T) : [];
  const targetSnapshots = targetVersions.filter((v) => v.kind === 'snapshot');
  const tracker = createAbstractionTracker({
    job: job.name, sourceHost: input.sourceHost, targetHost: input.targetHost, sourceDataset: S, targetDataset: T,
    sourceVersions, targetSnapshots,
    sourceHolds: (s) => input.sourceIndex.holds(s),
    targetHolds: (s) => input.targetIndex.holds(s),
  });
  return {
    input, S, T, flags: sendFlagsOf(job), sourceEncrypted: source.encryption !== 'off', timeline,
    sourceVersions, targetVersions, targetSnapshots, tracker,
    diag: (severity, summary, detail, conflict) => ({ severity, summary, detail, job: job.name, dataset: S, ...(conflict ? { conflict } : {}) }),
  };
}

/** The source's listed versions, then the snapshot this plan takes (if any), as a Timeline: entries made when read. */
class SourceTimeline implements Timeline {
  readonly length: number;
  private readonly made: (TimelineEntry | undefined)[] = [];
  constructor(private readonly listed: readonly VersionRecord[], private readonly planned: TimelineEntry | null, private readonly isReplicable: (snapshotName: string) => boolean) {
    this.length = listed.length + (planned ? 1 : 0);
  }
  kind(i: number): VersionRef['kind'] { return i < this.listed.length ? this.listed[i]!.kind : this.planned!.kind; }
  name(i: number): string { return i < this.listed.length ? this.listed[i]!.name : this.planned!.name; }
  written(i: number): number {
    if (i >= this.listed.length) return this.planned!.written;
    const v = this.listed[i]!;
    return v.kind === 'snapshot' ? v.written : 0;
  }
  entry(i: number): TimelineEntry {
    if (i >= this.listed.length) return this.planned!;
    return (this.made[i] ??= new ListedEntry(this.listed[i]!, this.isReplicable));
  }
}

/**
 * A listed version's timeline entry. Its ref and whether it is replicable are worked out when first read: a chain
 * that continues an incremental reads them for the last few versions only, and at scale (a million versions per
 * side) a ref and a pattern test for every version were a tenth of what planning allocates.
 */
class ListedEntry implements TimelineEntry {
  private made: VersionRef | undefined = undefined;
  private matches: boolean | undefined = undefined;
  constructor(private readonly v: VersionRecord, private readonly isReplicable: (snapshotName: string) => boolean) {}
  get kind(): VersionRef['kind'] { return this.v.kind; }
  get name(): string { return this.v.name; }
  get guid(): string { return this.v.guid; }
  get written(): number { return this.v.kind === 'snapshot' ? this.v.written : 0; }
  get ref(): VersionRef { return (this.made ??= refOf(this.v)); }
  get replicable(): boolean { return (this.matches ??= this.v.kind === 'snapshot' && this.isReplicable(this.v.name)); }
}

/** A warning when this job's cursor is on a snapshot the target does not have (tracker.cursorElsewhere): most likely
 *  another configuration file's job of the same name, which this plan's cursor move will undo. */
function cursorElsewhere(ctx: ChainContext): Diagnostic | null {
  const cursor = ctx.tracker.cursorElsewhere();
  if (cursor === null) return null;
  const job = ctx.input.job.name;
  const at = ctx.sourceVersions.find((v) => v.kind === 'snapshot' && v.guid === cursor.guid);
  return ctx.diag('warning', `the replication cursor of job ${job} on ${ctx.S} is on ${at ? `@${at.name}` : `a snapshot no longer there`}, which ${ctx.T} does not have`, [
    `${ctx.S}#${cursor.name} (guid ${cursor.guid})`,
    `if another configuration file has a job named ${job} that replicates ${ctx.S} to another target, the two move each other's cursor, and one's pruning can destroy the other's incremental base: job names must be unique on a source host across configuration files (renaming a job orphans its old holds and bookmarks: zform holds list shows them)`,
    'this plan moves the cursor to this target\'s replication as usual',
  ]);
}

/** A source the job cannot send as configured (encryption), or null. */
function sourceProblem(ctx: ChainContext): Diagnostic | null {
  const { S } = ctx;
  if (ctx.input.job.send.encrypted && !ctx.sourceEncrypted) {
    return ctx.diag('error', `send.encrypted is set, but ${S} is not encrypted`, ['an encrypted (raw) send needs an encrypted source; exclude the dataset or turn send.encrypted off']);
  }
  if (!ctx.flags.raw && ctx.sourceEncrypted && ctx.input.source.keyStatus === 'unavailable') {
    return ctx.diag('error', `cannot send ${S} decrypted: its key is not loaded`, ['load the key (zfs load-key), or send it raw with send.encrypted']);
  }
  return null;
}

/** Replicable timeline entries after `ref` (a later version with the same GUID is the same data), or all. */
function replicableAfter(timeline: Timeline, ref: VersionRef | null): TimelineEntry[] {
  const start = ref === null ? -1 : timelineIndex(timeline, ref.kind, ref.name);
  const out: TimelineEntry[] = [];
  for (let i = start + 1; i < timeline.length; i++) {
    const e = timeline.entry(i);
    if (e.replicable && (ref === null || e.guid === null || e.guid !== ref.guid)) out.push(e);
  }
  return out;
}

/**
 * An unusable token is aborted first (only if the dataset can proceed at all). Aborting a partial *full*
 * receive (a non-placeholder target without snapshots) removes the dataset.
 */
function tokenAbort(ctx: ChainContext, resume: ResumeCheck): { pre: Action[]; targetAbsent: boolean; note: ((aborting: boolean) => Diagnostic) | null } {
  const { T } = ctx;
  const target = ctx.input.target;
  if (resume.kind !== 'invalid') return { pre: [], targetAbsent: !target, note: null };
  const removes = !!target && !target.placeholder && ctx.targetSnapshots.length === 0;
  const pre: Action[] = [{ id: '', host: ctx.input.targetHost, side: 'target', kind: 'abort_resume', dataset: T, reason: resume.reason }];
  const note = (aborting: boolean) => ctx.diag('warning', `interrupted receive on ${T} cannot be resumed: ${resume.reason}`, [aborting
    ? `planned: zfs receive -A ${T}${removes ? ', which removes the partially received dataset' : ''}, then replication as if it had not started`
    : 'left as it is, because the dataset cannot proceed (see the error)'], { type: 'resume_token_unusable', reason: resume.reason });
  return { pre, targetAbsent: !target || removes, note };
}

function resumeSteps(ctx: ChainContext, resume: Extract<ResumeCheck, { kind: 'valid' }>, emptyPlaceholder: boolean): ChainSteps {
  const protection = ctx.input.job.replication.protection;
  // a clone's first step resumes from its origin, in another dataset: the estimate counts from the clone's start
  const from = resume.from && resume.from.dataset === ctx.S ? resume.from : null;
  // a clone's full stream (no incremental source) carries its origin's data too
  const base = resume.from ? 0 : originBytes(ctx.input.sourceIndex, ctx.input.source.origin);
  const estimate = resume.bytesDone === null ? null : Math.max(0, base + estimateBytes(ctx.timeline, from, resume.to) - resume.bytesDone);
  const resumeStep: Step = {
    mode: 'resume', from: resume.from, to: resume.to, intermediates: false, includes: [resume.to],
    protection: resume.from ? protection.incremental : protection.initial, token: resume.token, estimatedBytes: estimate,
    reason: `resumes the interrupted receive of @${resume.to.name} (receive_resume_token)${resume.bytesDone !== null ? `, ${formatBytes(resume.bytesDone)} already received` : ''}`,
  };
  const rest = computeSteps({ timeline: ctx.timeline, start: resume.to, targets: replicableAfter(ctx.timeline, resume.to), protection, fullReason: '', firstIsInitial: false });
  return { steps: [resumeStep, ...rest], force: emptyPlaceholder, middle: [], tidyAt: null };
}

function initialSteps(ctx: ChainContext, emptyPlaceholder: boolean): ChainSteps | Blocked {
  const { job } = ctx.input;
  const candidates = replicableAfter(ctx.timeline, null);
  if (candidates.length === 0) {
    const sourceSnapshots = ctx.sourceVersions.filter((v) => v.kind === 'snapshot').length;
    return { blocked: [ctx.diag('error', `${ctx.S} has no snapshots to replicate`, [sourceSnapshots > 0
      ? `none of its ${plural(sourceSnapshots, 'snapshot')} matches replication.snapshots "${job.replication.snapshots ?? ''}"`
      : `configure snapshotting for job ${job.name}, or take a snapshot of ${ctx.S}`], { type: 'source_has_no_snapshots' })] };
  }
  const mostRecent = job.replication.initial === 'most_recent';
  // most_recent starts at the oldest snapshot a new clone was made from, if any: it must reach the target first
  const originAt = mostRecent ? oldestOrigin(candidates, ctx.input.cloneOrigins ?? []) : -1;
  const chosen = originAt >= 0 ? candidates.slice(originAt) : mostRecent ? [candidates[candidates.length - 1]!] : candidates;
  const clone = ctx.input.cloneFrom && !emptyPlaceholder ? ctx.input.cloneFrom : null;
  const origin = clone ? `${clone.origin.dataset}@${clone.origin.name}` : '';
  const more = chosen.length > 1 ? ', the others follow incrementally' : '';
  const startsAtOrigin = originAt >= 0 ? `@${chosen[0]!.name}, the oldest snapshot a dataset of the job was cloned from (so that the clone is received as a clone)` : '';
  const fullReason = (clone
    ? `initial replication of a clone (initial: ${job.replication.initial}): incremental from its origin ${origin}, received as a clone of ${clone.targetOrigin} (zfs receive -o origin)${startsAtOrigin ? `; starts at ${startsAtOrigin}` : ''}${more}`
    : startsAtOrigin
      ? `initial replication (initial: most_recent): full send of ${startsAtOrigin}${more}`
      : mostRecent
        ? 'initial replication (initial: most_recent): full send of the newest snapshot'
        : `initial replication (initial: all): full send of the oldest snapshot${more}`)
    + (emptyPlaceholder ? `; replaces placeholder ${ctx.T}, which holds no data (receive -F)` : '');
  const steps = computeSteps({ timeline: ctx.timeline, start: null, targets: chosen, protection: job.replication.protection, fullReason, firstIsInitial: true });
  // a clone: the first step comes from its origin, a snapshot of another dataset (zfs send -i allows exactly that one)
  if (clone && steps.length > 0) steps[0] = { ...steps[0]!, mode: 'incremental', from: refOf(clone.origin) };
  // a clone sent in full: its stream carries the origin's data too
  else if (steps.length > 0 && steps[0]!.estimatedBytes !== null) steps[0] = { ...steps[0]!, estimatedBytes: steps[0]!.estimatedBytes + originBytes(ctx.input.sourceIndex, ctx.input.source.origin) };
  return { steps, force: emptyPlaceholder, middle: [], tidyAt: null };
}

/** What a full stream of a clone carries beyond its own snapshots' `written` (which counts from the origin): the
 *  origin dataset's data up to the origin snapshot, and so up a clone of a clone, as far as the listing has them. */
function originBytes(index: ListingIndex, origin: string | null): number {
  let sum = 0;
  const seen = new Set<string>();
  while (origin !== null && !seen.has(origin)) {
    seen.add(origin);
    const at = origin.indexOf('@');
    if (at < 0) break;
    const dataset = origin.slice(0, at);
    const snapshots = index.snapshots(dataset);
    const end = snapshots.findIndex((v) => v.name === origin!.slice(at + 1));
    if (end < 0) break;
    for (let i = 0; i <= end; i++) sum += snapshots[i]!.written;
    origin = index.dataset(dataset)?.origin ?? null;
  }
  return sum;
}

/** The position in `candidates` of the oldest of `origins` (by GUID), or -1. */
function oldestOrigin(candidates: TimelineEntry[], origins: readonly VersionRecord[]): number {
  if (origins.length === 0) return -1;
  const guids = new Set(origins.map((o) => o.guid));
  return candidates.findIndex((e) => e.guid !== null && guids.has(e.guid));
}

/** An existing target with data: incremental from the newest common snapshot, after a rollback if allowed and needed. */
function incrementalSteps(ctx: ChainContext): ChainSteps | Blocked {
  const { input } = ctx;
  const target = input.target!;
  const path = computeIncrementalPath(ctx.sourceVersions, ctx.targetVersions);
  if (path.kind === 'conflict' && path.conflict.type !== 'diverged') return { blocked: [noCommonSnapshot(ctx, path.conflict)] };
  const common = newestCommonSnapshot(path)!;
  const base = incrementalBase(path)!;
  const targetNewest = ctx.targetSnapshots[ctx.targetSnapshots.length - 1]!;
  const diverged = path.kind === 'conflict' && path.conflict.type === 'diverged' ? path.conflict : null;
  const middle: Action[] = [];
  let warnings: Diagnostic[] | undefined;
  if (diverged || target.written > 0) {
    const rollback = computeRollback(ctx, diverged, targetNewest);
    if ('blocked' in rollback) return rollback;
    warnings = rollback.warnings;
    middle.push(...rollback.actions);
  }
  const steps = computeSteps({ timeline: ctx.timeline, start: refOf(base), targets: replicableAfter(ctx.timeline, refOf(base)), protection: input.job.replication.protection, fullReason: '', firstIsInitial: false });
  return { steps, force: false, middle, tidyAt: steps.length === 0 ? (diverged ? common : targetNewest) : null, warnings };
}

/** The error of a target that has data but no snapshot in common with the source. */
function noCommonSnapshot(ctx: ChainContext, conflict: Exclude<IncrementalConflict, { type: 'diverged' }>): Diagnostic {
  const { S, T } = ctx;
  const sourceNewest = newestSnapshotRef(ctx.timeline);
  if (conflict.type === 'target_empty') {
    return ctx.diag('error', `no common snapshot: ${T} exists but has no snapshots`, [
      `a full send would overwrite it (zfs receive -F), which zform never does: destroy or rename ${T} if it should be replaced`,
    ], { type: 'no_common_snapshot', sourceNewest, targetNewest: null });
  }
  if (conflict.type === 'source_empty' && !ctx.input.planned) {
    return ctx.diag('error', `${S} has no snapshots to replicate`, [`and none of ${T}'s snapshots is on the source (no common snapshot either)`], { type: 'source_has_no_snapshots' });
  }
  const recreated = recreatedConflict(ctx, conflict.targetNewest);
  if (recreated) return recreated;
  return ctx.diag('error', `no common snapshot: none of ${T}'s snapshots is on the source`, [
    `zform never overwrites a target that has data: destroy or rename ${T} if it should be replaced by a full send`,
  ], { type: 'no_common_snapshot', sourceNewest, targetNewest: refOf(conflict.targetNewest) });
}

/**
 * Same name, new dataset: every source snapshot is at least as new as the target's newest and none is shared, so
 * the source dataset was destroyed and created again. A conflict naming both GUIDs, never a full send over it.
 */
function recreatedConflict(ctx: ChainContext, targetNewest: VersionRecord): Diagnostic | null {
  const { S, T } = ctx;
  const snaps = ctx.sourceVersions.filter((v) => v.kind === 'snapshot');
  const oldest = snaps[0];
  const newest = snaps[snaps.length - 1];
  if (!oldest || !newest || oldest.creation < targetNewest.creation) return null;
  const when = (v: VersionRecord) => new Date(v.creation * 1000).toISOString();
  return ctx.diag('error', `recreated on the source: ${S} has new GUIDs, none of its snapshots is on ${T}`, [
    `${T}'s newest snapshot @${targetNewest.name} (guid ${targetNewest.guid}, ${when(targetNewest)}) is older than ${S}'s oldest @${oldest.name} (guid ${oldest.guid}, ${when(oldest)})`,
    `zform never sends a new dataset over an old target; to keep the old copy, rename it aside (zfs rename ${T} ${T}.old, which this job then reports as gone on the source), or destroy it (zfs destroy -r ${T}); then plan again for a full send`,
  ], { type: 'recreated', sourceOldest: refOf(oldest), sourceNewest: refOf(newest), targetNewest: refOf(targetNewest) });
}

/**
 * A diverged or modified target: errors without --allow-rollback; with it, warnings and the rollback to the
 * newest common snapshot (or the newest, if only modified), unless a hold this job did not place blocks it.
 */
function computeRollback(
  ctx: ChainContext, diverged: Extract<IncrementalConflict, { type: 'diverged' }> | null, targetNewest: VersionRecord,
): { actions: Action[]; warnings: Diagnostic[] } | Blocked {
  const { T, input } = ctx;
  const point = diverged ? diverged.common : targetNewest;
  const destroyed = ctx.targetVersions.filter((v) => v.createtxg > point.createtxg);
  const conflicts = rollbackConflicts(ctx, diverged, targetNewest, destroyed.length);
  if (!input.allowRollback) return { blocked: conflicts.map((c) => ctx.diag('error', c.summary, c.detail, c.conflict)) };
  const heldBy = foreignHolds(ctx, destroyed);
  if (heldBy.length > 0) {
    return { blocked: conflicts.map((c) => ctx.diag('error', c.summary, [
      `cannot roll back to @${point.name}: held snapshots would be destroyed: ${heldBy.join(', ')}`,
      'zform never releases holds it did not place; release them, then plan again',
    ], c.conflict)) };
  }
  const cloned = destroyed.filter((v) => v.kind === 'snapshot' && v.clones > 0).map((v) => `@${v.name} (${plural(v.clones, 'clone')})`);
  if (cloned.length > 0) {
    return { blocked: conflicts.map((c) => ctx.diag('error', c.summary, [
      `cannot roll back to @${point.name}: snapshots with clones would be destroyed: ${cloned.join(', ')}`,
      'zfs rollback refuses while they have clones, and zform never destroys a clone; destroy the clones (zfs get clones SNAPSHOT names them), then plan again',
    ], c.conflict)) };
  }
  const destroyedRefs = destroyed.map(refOf);
  const actions: Action[] = [
    ...ctx.tracker.releaseTargetHolds(destroyedRefs.filter((r) => r.kind === 'snapshot'), `the rollback to @${point.name} destroys the snapshot`),
    {
      id: '', host: input.targetHost, side: 'target', kind: 'rollback', dataset: T, to: refOf(point), destroys: destroyedRefs,
      reason: diverged
        ? `target diverged: back to @${point.name}, the newest snapshot it shares with the source`
        : `target modified since @${point.name}: discard the changes`,
    },
  ];
  return { actions, warnings: conflicts.map((c) => ctx.diag('warning', c.summary, c.detail, c.conflict)) };
}

function rollbackConflicts(
  ctx: ChainContext, diverged: Extract<IncrementalConflict, { type: 'diverged' }> | null, targetNewest: VersionRecord, destroyedCount: number,
): { summary: string; detail: string[]; conflict: Conflict }[] {
  const { T, input } = ctx;
  const target = input.target!;
  const point = diverged ? diverged.common : targetNewest;
  const out: { summary: string; detail: string[]; conflict: Conflict }[] = [];
  if (diverged) {
    const { common } = diverged;
    const sourceOnly = [...diverged.sourceOnly.map(refOf), ...(input.planned ? [input.planned.ref] : [])];
    out.push({
      summary: `target diverged: ${T}'s newest snapshot @${targetNewest.name} is not on the source`,
      detail: input.allowRollback
        ? [`planned: roll ${T} back to @${common.name}, the newest common snapshot, destroying ${plural(destroyedCount, 'newer version')} (allowed by --allow-rollback or replication.allow_rollback)`]
        : [`zform never destroys target snapshots on its own: --allow-rollback (or replication.allow_rollback) would roll ${T} back to @${common.name}, destroying ${plural(diverged.targetOnly.length, 'snapshot')}`],
      conflict: { type: 'diverged', commonAncestor: refOf(diverged.base), sourceOnly, targetOnly: diverged.targetOnly.map(refOf) },
    });
  }
  if (target.written > 0) {
    out.push({
      summary: `target modified: ${T} was written to since its newest snapshot @${targetNewest.name} (${target.written} bytes)`,
      detail: input.allowRollback
        ? [`planned: roll ${T} back to @${point.name}, discarding the changes (allowed by --allow-rollback or replication.allow_rollback)`]
        : ['zfs receive would refuse it; keep targets unmodified with recv.properties.override readonly: "on"', `--allow-rollback (or replication.allow_rollback) would roll ${T} back to @${point.name}, discarding the changes`],
      conflict: { type: 'target_modified', newest: refOf(targetNewest), writtenBytes: target.written },
    });
  }
  return out;
}

/** Snapshots a rollback would destroy that carry holds this job did not place, as `@name (tags)`. */
function foreignHolds(ctx: ChainContext, destroyed: VersionRecord[]): string[] {
  const lrTag = makeLastReceivedHoldTag(ctx.input.job.name);
  const heldBy: string[] = [];
  for (const v of destroyed) {
    if (v.kind !== 'snapshot') continue;
    const holds = ctx.input.targetIndex.holds(`${ctx.T}@${v.name}`);
    const foreign = holds.filter((h) => h.tag !== lrTag).map((h) => h.tag);
    const ours = holds.length - foreign.length;
    if (foreign.length > 0) heldBy.push(`@${v.name} (${foreign.join(', ')})`);
    else if (v.userrefs > ours) heldBy.push(`@${v.name} (${plural(v.userrefs - ours, 'hold')})`);
  }
  return heldBy;
}

/** Each step's protection lines, its send, and the lines that complete it. */
function stepActions(ctx: ChainContext, steps: Step[], force: boolean): Action[] {
  const { input, S, T } = ctx;
  const { job } = input;
  return steps.flatMap((step, i) => [
    ...ctx.tracker.protect(step),
    {
      id: '', host: input.sourceHost, side: 'source' as const, kind: 'send' as const, mode: step.mode, targetHost: input.targetHost, sourceDataset: S, targetDataset: T,
      from: step.from, to: step.to, intermediates: step.intermediates, includes: step.includes, token: step.token,
      flags: { ...ctx.flags },
      receive: {
        resumable: true, force: force && i === 0, override: { ...job.recv.properties.override }, inherit: [...job.recv.properties.inherit],
        // the first step of a clone, from its origin: received as a clone of the origin's replica
        ...(i === 0 && step.mode === 'incremental' && step.from && step.from.dataset !== S && input.cloneFrom ? { origin: input.cloneFrom.targetOrigin } : {}),
      },
      protection: step.protection, estimatedBytes: step.estimatedBytes, reason: step.reason,
      ...(input.wire?.compression ? { compression: renderCompression(input.wire.compression) } : {}),
    },
    ...ctx.tracker.complete(step),
  ]);
}

function newestSnapshotRef(timeline: Timeline): VersionRef | null {
  for (let i = timeline.length - 1; i >= 0; i--) if (timeline.kind(i) === 'snapshot') return timeline.entry(i).ref;
  return null;
}
