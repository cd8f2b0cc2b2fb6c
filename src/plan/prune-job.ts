// Pruning lines of one dataset plan, appended after its replication chain: the source side first, then
// the target side, each over the snapshots that side has once the chain's earlier lines ran.
//
// The incremental base of a planned step is never destroyed before its step is done: the destroy lines come
// after every send of the chain and a failed or interrupted send stops the chain, so they run only once the
// steps completed and the next base is the last one's `to` (the target's newest, always kept; on the source,
// the cursor bookmark, or under guarantee_nothing the snapshot itself). Keeping the old bases as well would
// leave a plan with changes right after every apply.
import type { JobConfig } from '../config/types.js';
import type { DatasetRecord, VersionRecord } from '../zfs/types.js';
import type { Action, DatasetPlan, Diagnostic, VersionRef } from './types.js';
import { findVersion, type ListingIndex } from './listing-index.js';
import type { DueSnapshot } from './snapshots.js';
import { computePruneSide, SideSnapshots, type AddedSnapshot, type PruneSideResult } from './prune.js';
import { makeLastReceivedHoldTag, makeStepHoldTag } from '../zfs/names.js';

export interface DatasetPruneInput {
  job: JobConfig;
  now: Date;
  plan: DatasetPlan;
  source: DatasetRecord;
  sourceIndex: ListingIndex;
  planned: DueSnapshot | undefined;
  /** present only for a job with a target whose side was listed */
  target: { host: string; name: string; record: DatasetRecord | undefined; index: ListingIndex; keep?: Set<string> | undefined } | null;
}

type Send = Extract<Action, { kind: 'send' }>;

function snapshotsOf(index: ListingIndex, dataset: string): VersionRecord[] {
  return index.snapshots(dataset);
}

/** Actions to append to the dataset's chain, and notes for its diagnostics. */
export function computeDatasetPruning(input: DatasetPruneInput): { actions: Action[]; diagnostics: Diagnostic[] } {
  const { job, plan, source } = input;
  const actions: Action[] = [];
  const diagnostics: Diagnostic[] = [];
  if (source.placeholder) return { actions, diagnostics };
  const ctx: PruneContext = {
    input, nowSeconds: Math.floor(input.now.getTime() / 1000),
    sends: plan.actions.filter((a): a is Send => a.kind === 'send'),
    released: releasedByChain(plan),
  };
  const ownTags = new Set([makeStepHoldTag(job.name), makeLastReceivedHoldTag(job.name)]);
  const add = (side: string, dataset: string, r: PruneSideResult | null) => {
    if (!r) return;
    if (r.action) actions.push(r.action);
    const note = foreignHoldNote(job.name, source.name, ownTags, side, dataset, r);
    if (note) diagnostics.push(note);
    const cloned = clonedNote(job.name, source.name, side, dataset, r);
    if (cloned) diagnostics.push(cloned);
  };
  if (job.pruning.keepSource.length > 0 || job.pruning.destroyEmpty) add('source', source.name, pruneSource(ctx));
  if (input.target) add('target', input.target.name, pruneTarget(ctx, input.target));
  return { actions, diagnostics };
}

interface PruneContext {
  input: DatasetPruneInput;
  nowSeconds: number;
  /** the chain's sends */
  sends: Send[];
  /** `fs@snap\0tag` of every hold the chain releases before pruning runs */
  released: Set<string>;
}

/** Holds the chain releases before pruning runs (this job's superseded step and last-received holds). */
function releasedByChain(plan: DatasetPlan): Set<string> {
  const released = new Set<string>();
  for (const a of plan.actions) if (a.kind === 'release') for (const r of a.snapshots) released.add(`${r.dataset}@${r.name}\0${a.tag}`);
  return released;
}

/** The tags that still hold a snapshot of `dataset` once the chain ran (by short name). */
function heldAfterChain(released: Set<string>, index: ListingIndex, dataset: string, listed: VersionRecord[]): (n: string) => string[] {
  const userrefsOf = findVersion(listed, (v) => v.name);
  const userrefs = (n: string): number => userrefsOf(n)?.userrefs ?? 0;
  // A listing has holds only for snapshots whose userrefs is non-zero (see CommandZfsHost.list): the others
  // need no look-up, which matters when a first prune lets go of millions of snapshots.
  return (n: string): string[] => {
    const count = userrefs(n);
    if (count === 0) return [];
    const listedHolds = index.holds(`${dataset}@${n}`);
    const kept = listedHolds.filter((h) => !released.has(`${dataset}@${n}\0${h.tag}`)).map((h) => h.tag);
    if (kept.length > 0) return kept;
    // holds counted but not all listed: the ones the chain does not release still hold it
    const rest = count - (listedHolds.length - kept.length);
    return rest > 0 ? [`${rest} hold(s)`] : [];
  };
}

/** A warning naming the snapshots only holds zform did not place keep, or null. */
function foreignHoldNote(job: string, sourceName: string, ownTags: Set<string>, side: string, dataset: string, r: PruneSideResult): Diagnostic | null {
  const foreign = r.keptHeld.filter((k) => k.tags.some((t) => !ownTags.has(t)));
  if (foreign.length === 0) return null;
  return {
    severity: 'warning', job, dataset: sourceName,
    summary: `pruning keeps ${foreign.length} ${side} snapshot(s) of ${dataset} that no rule keeps, because they are held`,
    detail: foreign.map((k) => `@${k.name}: ${k.tags.join(', ')} (zform never releases holds it did not place)`),
  };
}

/** A warning naming the snapshots kept because datasets were cloned from them, or null. */
function clonedNote(job: string, sourceName: string, side: string, dataset: string, r: PruneSideResult): Diagnostic | null {
  if (r.keptCloned.length === 0) return null;
  return {
    severity: 'warning', job, dataset: sourceName,
    summary: `pruning keeps ${r.keptCloned.length} ${side} snapshot(s) of ${dataset} that no rule keeps, because datasets were cloned from them`,
    detail: [
      ...r.keptCloned.map((k) => `@${k.name}: ${k.clones} clone(s) (zfs get clones ${dataset}@${k.name})`),
      'zfs destroy refuses a snapshot with clones, and zform never destroys a clone: once a clone is no longer needed, destroy it and pruning goes on',
    ],
  };
}

/** Source: listed snapshots, then the one this plan takes. */
function pruneSource(ctx: PruneContext): PruneSideResult {
  const { input, sends } = ctx;
  const { job, source } = input;
  const listed = snapshotsOf(input.sourceIndex, source.name);
  const snaps = new SideSnapshots(listed, input.planned ? [{ ref: input.planned.ref, name: input.planned.ref.name, creation: ctx.nowSeconds, planned: true }] : []);
  const protect = new Set<string>();
  let replicatedUpTo: number | null = null;
  if (input.target) {
    const last = sends[sends.length - 1];
    if (last) {
      replicatedUpTo = -1;
      for (let i = 0; i < snaps.length; i++) if (snaps.ref(i).name === last.to.name) { replicatedUpTo = i; break; }
    } else if (input.target.record) {
      const onTarget = findVersion(snapshotsOf(input.target.index, input.target.name), (v) => v.guid);
      for (let i = snaps.length - 1; i >= 0; i--) {
        const guid = snaps.ref(i).guid;
        if (guid !== null && onTarget(guid) !== undefined) { replicatedUpTo = i; break; }
      }
    }
    if (replicatedUpTo === -1) replicatedUpTo = null;
    // Without a cursor bookmark (guarantee_nothing) the next incremental needs this snapshot itself.
    if (replicatedUpTo !== null && job.replication.protection.incremental === 'guarantee_nothing') {
      protect.add(snaps.ref(replicatedUpTo).name);
    }
  }
  return computePruneSide({
    host: job.source.host, side: 'source', dataset: source.name, rules: job.pruning.keepSource, snapshots: snaps, replicatedUpTo,
    heldBy: heldAfterChain(ctx.released, input.sourceIndex, source.name, listed),
    protect,
    ...(job.pruning.destroyEmpty ? { destroyEmpty: { protect: emptyProtected(input.sourceIndex, source.name, snaps, replicatedUpTo) } } : {}),
  });
}

/** destroy_empty never takes the replication base (the newest snapshot the target has) or a snapshot a bookmark of
 *  the dataset points at (a cursor's, by GUID: an incremental may start there). */
function emptyProtected(index: ListingIndex, dataset: string, snaps: SideSnapshots, replicatedUpTo: number | null): Set<string> {
  const bookmarked = new Set(index.versions(dataset).filter((v) => v.kind === 'bookmark').map((v) => v.guid));
  const out = new Set<string>();
  for (let i = 0; i < snaps.length; i++) {
    const ref = snaps.ref(i);
    if (ref.guid !== null && bookmarked.has(ref.guid)) out.add(ref.name);
  }
  if (replicatedUpTo !== null && replicatedUpTo < snaps.length) out.add(snaps.ref(replicatedUpTo).name);
  return out;
}

/** Target: what it has once the chain ran (minus a rollback's, plus what the sends deliver); never while the
 *  dataset is blocked (a conflicted target is left exactly as it is). */
function pruneTarget(ctx: PruneContext, t: NonNullable<DatasetPruneInput['target']>): PruneSideResult | null {
  const { input, sends, nowSeconds } = ctx;
  const { job, plan, source } = input;
  const blocked = plan.diagnostics.some((d) => d.severity === 'error');
  if ((job.pruning.keepTarget.length === 0 && !job.pruning.destroyEmpty) || blocked || !(t.record || sends.length > 0)) return null;
  const listed = t.record ? snapshotsOf(t.index, t.name) : [];
  const rolledBack = new Set<string>();
  for (const a of plan.actions) if (a.kind === 'rollback') for (const d of a.destroys) if (d.kind === 'snapshot') rolledBack.add(d.name);
  const kept = rolledBack.size === 0 ? listed : listed.filter((v) => !rolledBack.has(v.name));
  let created: Map<string, number> | null = null; // only for a chain that sends
  const sourceCreation = (ref: VersionRef): number => {
    if (ref.guid === null) return nowSeconds;
    created ??= new Map(snapshotsOf(input.sourceIndex, source.name).map((v) => [v.name, v.creation]));
    return created.get(ref.name) ?? nowSeconds;
  };
  // what the chain's sends deliver that the target does not have yet (by name; usually one or a few snapshots)
  const added: AddedSnapshot[] = [];
  const listedAs = findVersion(kept, (v) => v.name);
  const adding = new Set<string>();
  for (const s of sends) {
    for (const inc of s.includes) {
      if (adding.has(inc.name) || listedAs(inc.name) !== undefined) continue;
      adding.add(inc.name);
      added.push({ ref: { dataset: t.name, kind: 'snapshot', name: inc.name, guid: inc.guid, createtxg: null }, name: inc.name, creation: sourceCreation(inc), planned: inc.guid === null });
    }
  }
  const snaps = new SideSnapshots(kept, added);
  // the target's newest snapshot is the base of the next incremental; `keep`: origins of clones this plan receives
  const protect = new Set(snaps.length > 0 ? [snaps.ref(snaps.length - 1).name] : []);
  if (t.keep) for (let i = 0; i < snaps.length; i++) { const r = snaps.ref(i); if (r.guid !== null && t.keep.has(r.guid)) protect.add(r.name); }
  return computePruneSide({
    host: t.host, side: 'target', dataset: t.name, rules: job.pruning.keepTarget, snapshots: snaps, replicatedUpTo: null,
    heldBy: heldAfterChain(ctx.released, t.index, t.name, listed),
    protect,
    ...(job.pruning.destroyEmpty ? { destroyEmpty: { protect: new Set<string>() } } : {}),
  });
}
